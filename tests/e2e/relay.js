// Starts the real relay binary on a free port with its own data directory,
// and stops it. The URL is read from the relay's own start-up line.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

export const PASSWORD = 'e2e-password';

// `env.WARMLINE_ADDR` and `dataDir` let a test start a relay again where a
// stopped one was (`stop({ keepData: true })`), as after a restart.
export async function startRelay(env = {}, dataDir = mkdtempSync(join(tmpdir(), 'warmline-e2e-'))) {
  const bin = process.env.WARMLINE_BIN;
  if (!bin) throw new Error('WARMLINE_BIN must name the relay binary (cargo xtask test sets it)');
  const child = spawn(bin, [], {
    env: {
      ...process.env,
      WARMLINE_ADDR: '127.0.0.1:0',
      WARMLINE_DATA_DIR: dataDir,
      WARMLINE_DEMO: '1',
      WARMLINE_DEMO_PASSWORD: PASSWORD,
      RUST_LOG: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`relay exited with ${code} before listening`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = line.match(/listening on (\S+)/);
      if (match) resolve(match[1]);
    });
  });
  return {
    url,
    dataDir,
    async stop({ keepData = false } = {}) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// Saves a screenshot when WARMLINE_SCREENSHOTS names a folder, so people can
// look at what the test saw.
export async function screenshot(page, name) {
  const folder = process.env.WARMLINE_SCREENSHOTS;
  if (folder) await page.screenshot({ path: join(folder, `${name}.png`) });
}

// A host page on another origin than the relay, served from loopback like a
// real site would be: `page(url)` gives the HTML for the requested URL (a
// `URL`, so one site can serve several pages by path or query).
export async function startSite(page) {
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(page(new URL(request.url, 'http://site.invalid')));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
