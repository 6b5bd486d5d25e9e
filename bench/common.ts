import { spawn, type ChildProcess } from 'node:child_process';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a process with its file limit raised to the hard limit and waits for `ready`. */
export async function startProcess(
  command: string,
  env: NodeJS.ProcessEnv,
  ready: string,
): Promise<ChildProcess> {
  const proc = spawn('bash', ['-c', `ulimit -n $(ulimit -Hn); exec ${command}`], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let waited = 0; waited < 60_000; waited += 200) {
    if (
      await fetch(ready).then(
        (r) => r.ok,
        () => false,
      )
    )
      return proc;
    await sleep(200);
  }
  proc.kill('SIGKILL');
  throw new Error(`${command} did not become ready`);
}
