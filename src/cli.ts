import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './platform/config.js';
import { createLogger, type Logger } from './platform/logger.js';
import { start, openResources } from './server.js';
import { UserRepository } from './auth/repository.js';
import { AuthService } from './auth/service.js';
import { assertStrongPassword } from './auth/password-policy.js';
import { MIN_PASSWORD_LENGTH } from './contract/passwords.js';
import { TokenKind } from './platform/tokens.js';
import { systemClock } from './platform/clock.js';
import { generateTicketsCommand } from './catalog/generate-command.js';
import { ClusterError, runCluster } from './ops/cluster.js';
import { EmbeddedPostgresError } from './platform/embedded-postgres.js';
import { loadtestCommand } from './loadtest/command.js';

const USAGE = `Usage: tmomi <command> [options]

Commands:
  start                                         start the server (embedded PostgreSQL unless DATABASE_URL is set)
  migrate                                       apply pending database migrations and exit
  admin create --email E --password P [--name N]  create an admin, or make an existing account an admin
  tickets generate --performance ID             generate (or resume generating) a performance's tickets
  cluster [--nodes 3] [--port 8080] [--stats-port 8404] [--lifetime 3600] [--dir DIR]
                                                N nodes behind HAProxy on this machine (needs DATABASE_URL,
                                                REDIS_URL and haproxy); stops on Ctrl-C or after --lifetime s
  loadtest [--base URL] [--buyers 2000] [--seats 500 | --performance ID] [--grade R] [--max-quantity 2]
           [--streams 1000] [--seconds 120] [--admit-per-second 200] [--max-active 500]
                                                a flash sale against a running Tmomi: buyers join, wait,
                                                hold and pay; prints progress, a summary and the invariant
                                                check (needs the nodes' DATABASE_URL and TMOMI_SECRET)

Configuration comes from environment variables; see the README.`;

type Command = (args: string[], config: Config, logger: Logger) => Promise<void>;

const commands: Record<string, Command> = {
  start: async (_args, config, logger) => start(config, logger),

  migrate: async (_args, config, logger) => {
    const resources = await openResources(config, logger); // opening applies the migrations
    await resources.close();
  },

  admin: async (args, config, logger) => {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
    });
    if (positionals[0] !== 'create' || !values.email || !values.password) throw new UsageError();
    if (values.password.length < MIN_PASSWORD_LENGTH)
      throw new UsageError(`--password must be at least ${MIN_PASSWORD_LENGTH} characters`);
    try {
      assertStrongPassword(values.password, [values.email, values.name ?? '']);
    } catch {
      throw new UsageError(
        '--password is too common or too easy to guess; choose a longer, less predictable one',
      );
    }
    const resources = await openResources(config, logger);
    try {
      const auth = new AuthService({
        users: new UserRepository(resources.db),
        accessTokens: new TokenKind(resources.secret, 'access', systemClock),
        accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      });
      const admin = await auth.ensureAdmin({
        email: values.email,
        password: values.password,
        name: values.name,
      });
      process.stdout.write(`admin ${admin.email} (id ${admin.id}) is ready\n`);
    } finally {
      await resources.close();
    }
  },

  tickets: async (args, config, logger) => {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { performance: { type: 'string' } },
    });
    if (
      positionals[0] !== 'generate' ||
      !values.performance ||
      !/^[1-9][0-9]{0,17}$/.test(values.performance)
    ) {
      throw new UsageError();
    }
    const resources = await openResources(config, logger);
    try {
      await generateTicketsCommand(resources.db, values.performance, logger);
    } finally {
      await resources.close();
    }
  },

  cluster: async (args, config, logger) => {
    const { values } = parseArgs({
      args,
      options: {
        nodes: { type: 'string', default: '3' },
        port: { type: 'string', default: '8080' },
        'stats-port': { type: 'string', default: '8404' },
        lifetime: { type: 'string', default: '3600' },
        dir: { type: 'string', default: join(config.dataDir, 'cluster') },
      },
    });
    const nodes = integerIn(values.nodes, 1, 16, '--nodes');
    const port = integerIn(values.port, 1, 65535, '--port');
    const statsPort = integerIn(values['stats-port'], 1, 65535, '--stats-port');
    const lifetimeSeconds = integerIn(values.lifetime, 1, 7 * 86400, '--lifetime');
    await runCluster({ nodes, port, statsPort, lifetimeSeconds, dir: resolve(values.dir) }, config, logger);
  },

  loadtest: async (args, config) => {
    const { values } = parseArgs({
      args,
      options: {
        base: { type: 'string', default: `http://127.0.0.1:${config.port}` },
        buyers: { type: 'string', default: '2000' },
        seats: { type: 'string', default: '500' },
        performance: { type: 'string' },
        grade: { type: 'string', default: 'R' },
        'max-quantity': { type: 'string', default: '2' },
        streams: { type: 'string', default: '1000' },
        seconds: { type: 'string', default: '120' },
        'admit-per-second': { type: 'string', default: '200' },
        'max-active': { type: 'string', default: '500' },
      },
    });
    if (values.performance !== undefined && !/^[1-9][0-9]{0,17}$/.test(values.performance)) {
      throw new UsageError(`--performance must be a performance id, got "${values.performance}"`);
    }
    if (!/^https?:\/\/[^/]+$/.test(values.base)) {
      throw new UsageError(`--base must be an http(s) origin without a path, got "${values.base}"`);
    }
    const ok = await loadtestCommand(
      {
        base: values.base,
        buyers: integerIn(values.buyers, 1, 200_000, '--buyers'),
        seats: integerIn(values.seats, 1, 100_000, '--seats'),
        performanceId: values.performance,
        grade: values.grade,
        maxQuantity: integerIn(values['max-quantity'], 1, 10, '--max-quantity'),
        streams: integerIn(values.streams, 0, 50_000, '--streams'),
        seconds: integerIn(values.seconds, 1, 3600, '--seconds'),
        admitPerSecond: integerIn(values['admit-per-second'], 1, 10_000, '--admit-per-second'),
        maxActive: integerIn(values['max-active'], 1, 100_000, '--max-active'),
      },
      config,
    );
    if (!ok) process.exitCode = 1;
  },
};

class UsageError extends Error {}

function integerIn(text: string, min: number, max: number, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(
      `${name && name !== 'help' && name !== '--help' ? `unknown command: ${name}\n\n` : ''}${USAGE}\n`,
    );
    return name === 'help' || name === '--help' ? 0 : 2;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`tmomi: configuration error: ${err.message}\n`);
    return 78; // EX_CONFIG
  }
  const logger = createLogger(config.logLevel);
  try {
    await command(args, config, logger);
    return name === 'start' ? -1 : Number(process.exitCode ?? 0);
  } catch (err) {
    // parseArgs refuses unknown options and missing values with these codes: the user's mistake too.
    const parseError = (err as { code?: unknown }).code?.toString().startsWith('ERR_PARSE_ARGS') === true;
    if (err instanceof UsageError || parseError) {
      const message = (err as Error).message;
      process.stderr.write(`${message ? `${message}\n\n` : ''}${USAGE}\n`);
      return 2;
    }
    // A setting that parses but does not work (a pooler where PostgreSQL itself is needed, a replica
    // that does not answer) is found at boot: said as plainly as one that does not parse.
    if (err instanceof ConfigError) {
      process.stderr.write(`tmomi: configuration error: ${err.message}\n`);
      return 78;
    }
    if (err instanceof ClusterError) {
      process.stderr.write(`tmomi cluster: ${err.message}\n`);
      return 1;
    }
    if (err instanceof EmbeddedPostgresError) {
      process.stderr.write(`tmomi ${name}: ${err.message}\n`);
      return 1;
    }
    logger.fatal({ err }, `tmomi ${name} failed`);
    return 1;
  }
}

// `start` keeps running until a signal; every other command exits with its status.
const status = await main(process.argv.slice(2));
if (status >= 0) process.exit(status);
