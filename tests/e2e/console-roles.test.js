// Owners and agents: an owner adds an agent, who answers chats but can
// neither see the Settings nor reach them through the API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot, startRelay } from './relay.js';
import { signInConsole } from './helpers.js';

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

/// The site's settings as `page`'s signed-in user reads them.
const settingsApi = (page) =>
  page.evaluate(async () => {
    const read = await fetch('/api/site/settings');
    return { read: read.status, settings: read.ok ? await read.json() : null };
  });

test('an agent cannot reach the settings, in the console or through the API', async () => {
  // The demo's owner adds Levan as an agent.
  const owner = await signInConsole(browser, relay.url);
  const added = await owner.evaluate(async () =>
    (await fetch('/api/site/members', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'levan@demo.test', name: 'Levan', password: 'a long password', role: 'agent' }),
    })).status);
  assert.equal(added, 204);
  // The owner has the Settings, and the API answers them.
  await owner.getByRole('button', { name: 'Settings', exact: true }).waitFor();
  const before = await settingsApi(owner);
  assert.equal(before.read, 200);

  const agent = await signInConsole(browser, relay.url, 'levan@demo.test', 'a long password');
  // Signed in as Levan, with the inbox there, and no way to the settings.
  await agent.getByRole('navigation', { name: 'Conversations' }).waitFor();
  await agent.getByText('Levan', { exact: true }).waitFor();
  assert.equal(await agent.getByRole('button', { name: 'Settings' }).count(), 0, 'no Settings button');
  await screenshot(agent, 'console-agent-no-settings');
  // Straight to the API with the agent's session: a full, valid body.
  const api = await agent.evaluate(async (settings) => {
    const read = await fetch('/api/site/settings');
    const write = await fetch('/api/site/settings', {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(settings),
    });
    return { read: read.status, body: await read.text(), write: write.status };
  }, { ...before.settings, name: 'Taken over by an agent' });
  assert.equal(api.read, 403, 'reading the settings is refused');
  assert.equal(api.write, 403, 'changing the settings is refused');
  assert.doesNotMatch(api.body, /allowed_origins|launcher|accent/, 'nothing of the settings in the refusal');
  assert.equal((await settingsApi(owner)).settings.name, before.settings.name, 'the site\'s name is unchanged');
  await agent.context().close();
  await owner.context().close();
});
