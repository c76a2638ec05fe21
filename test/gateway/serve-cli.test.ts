/**
 * `skein serve` as a user starts it: the real command in a child process prints its URL, answers
 * the protocol there (with `--user` standing in for a missing X-Trino-User), and stops cleanly —
 * exit code 0 — on SIGINT (Ctrl-C; SIGTERM takes the same path).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';

const BIN = fileURLToPath(new URL('../../bin/skein.mjs', import.meta.url));

/** Starts `skein serve`; resolves with the printed URL once it listens. */
function serve(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args]);
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /serving the Trino protocol at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, output: () => out });
    });
    child.stderr!.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`skein serve exited with ${code}: ${out}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

describe('skein serve', () => {
  it('prints its URL, serves the protocol, stops cleanly on Ctrl-C; refuses a bad port; has --help', async () => {
    const [s, bad, help] = await Promise.all([
      serve(['--user', 'someone']),
      runCli(['serve', '--port', '70000']),
      runCli(['serve', '--help']),
    ]);
    const info = await fetch(`${s.url}/v1/info`);
    expect(await info.json()).toMatchObject({ coordinator: true });
    // No X-Trino-User: --user is the default user.
    const post = await fetch(`${s.url}/v1/statement`, { method: 'POST', body: 'SELECT 41 + 1 AS answer' });
    let page = (await post.json()) as { nextUri?: string; data?: unknown[][] };
    const rows: unknown[][] = [];
    while (page.nextUri) {
      page = (await (await fetch(page.nextUri)).json()) as typeof page;
      rows.push(...(page.data ?? []));
    }
    expect(rows).toEqual([[42]]);
    const done = exited(s.child);
    s.child.kill('SIGINT');
    expect(await done).toBe(0);
    expect(s.output()).toMatch(/skein: stopping/);

    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--port must be 0–65535/);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/usage: skein serve \[--host 127\.0\.0\.1\] \[--port 8080\] \[--data DIR\]/);
  }, 60_000);
});
