import { describe, expect, it } from 'vitest';
import { isOutage } from './outage.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isOutage', () => {
  it('when a driver says its server is out of reach, then it is an outage', () => {
    for (const err of [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'),
      withCode('connection failure', '08006'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      Object.assign(new Error('Reached the max retries per request limit'), {
        name: 'MaxRetriesPerRequestError',
      }),
      new Error('LOADING Redis is loading the dataset in memory'),
      new Error('Command timed out'),
      new Error('cannot connect to Redis', { cause: withCode('connect ECONNREFUSED', 'ECONNREFUSED') }),
      // A Redis Cluster failing over: the slot's primary gone, its replica not yet promoted.
      new Error('CLUSTERDOWN The cluster is down'),
      new Error('MOVED 3999 127.0.0.1:7002'),
      new Error('Too many Cluster redirections. Last error: Error: CLUSTERDOWN The cluster is down'),
      Object.assign(new Error('Failed to refresh slots cache.'), { name: 'ClusterAllFailedError' }),
      new Error('All keys in the pipeline should belong to the same slots allocation group'),
    ])
      expect(isOutage(err), err.message).toBe(true);
  });

  it('when the request or the code is at fault, then it is not', () => {
    for (const err of [
      withCode('duplicate key value violates unique constraint', '23505'),
      withCode('deadlock detected', '40P01'),
      withCode('invalid input syntax for type bigint', '22P02'),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      new Error('ERR wrong number of arguments'),
      new Error("CROSSSLOT Keys in request don't hash to the same slot"),
    ])
      expect(isOutage(err), err.message).toBe(false);
    expect(isOutage('ECONNREFUSED')).toBe(false);
  });
});
