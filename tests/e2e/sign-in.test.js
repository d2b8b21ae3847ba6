// Someone guessing at an agent's password: the real agent is told at their
// next sign-in, once, and the console stays usable around the notice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, launchBrowser, screenshot, startRelay } from './relay.js';

let relay;
let browser;

before(async () => {
  relay = await startRelay();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await relay?.stop();
});

async function signIn(page, password) {
  await page.getByLabel('Email').fill('agent@demo.test');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

test('an agent is told of failed sign-in attempts on their account', async () => {
  const page = await (await browser.newContext()).newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${relay.url}/console/`);

  for (const guess of ['letmein', 'hunter2']) {
    await signIn(page, guess);
    await page.getByText('Wrong email or password.').waitFor();
  }
  await signIn(page, PASSWORD);
  const warning = page.getByRole('alert').filter({ hasText: 'unsuccessful sign-in' });
  await warning.waitFor();
  assert.match(await warning.textContent(), /^2 unsuccessful sign-in attempts on your account/);
  // The inbox is there beside it, not pushed out of view.
  await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
  await screenshot(page, 'console-failed-sign-ins');

  await page.getByRole('button', { name: 'Dismiss', exact: true }).click();
  await warning.waitFor({ state: 'detached' });

  // Told once: signing in again later says nothing.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await signIn(page, PASSWORD);
  await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
  assert.equal(await page.getByRole('alert').filter({ hasText: 'unsuccessful' }).count(), 0);

  assert.deepEqual(errors, [], 'no script errors');
});
