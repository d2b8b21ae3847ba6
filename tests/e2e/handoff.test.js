// The handoff from the bot to people, with two agents and several visitors
// in real browsers: places in the queue and the expected wait, round-robin
// offers, a frustrated visitor going ahead with the signals shown to agents,
// an unanswered offer moving on, a transfer whose note never reaches the
// visitor's socket, and with nobody online a message left in the widget
// whose reply arrives by email at an SMTP listener the test runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { launchBrowser, screenshot, startRelay, startSite } from './relay.js';
import { catalogue, en, newVisitor, openChat, send, signInConsole } from './helpers.js';

const ka = catalogue('ka');

let browser;
let shop;
let smtp;

/// A small SMTP server on loopback: just enough of the protocol for the
/// relay's mailer, handing each message's text to `mail`.
function startSmtp() {
  const mail = [];
  const waiting = [];
  const server = createServer((socket) => {
    socket.setEncoding('utf8');
    socket.write('220 test ESMTP\r\n');
    let buffer = '';
    let data = null;
    socket.on('data', (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data !== null) {
          if (line === '.') {
            mail.push(data);
            waiting.splice(0).forEach((resolve) => resolve());
            data = null;
            socket.write('250 queued\r\n');
          } else {
            data += `${line}\n`;
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-test\r\n250 8BITMIME\r\n');
        else if (verb === 'DATA') {
          data = '';
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `smtp://127.0.0.1:${server.address().port}`,
        mail,
        /// Resolves once a message containing `text` has arrived.
        async received(text) {
          while (!mail.some((m) => m.includes(text))) await new Promise((r) => waiting.push(r));
          return mail.find((m) => m.includes(text));
        },
        stop: () => new Promise((r) => server.close(r)),
      })));
}

before(async () => {
  browser = await launchBrowser();
  smtp = await startSmtp();
  // A Georgian page of a shop that embeds the demo site's widget.
  shop = await startSite(
    () => `<!doctype html><html lang="ka"><title>მაღაზია</title><h1>ქართული ჩაი</h1>
      <script async src="${shop.relay}/widget.js" data-site="demo"></script>`,
  );
});

after(async () => {
  await browser?.close();
  await smtp?.stop();
  await shop?.stop();
});

/// A relay for one test, with the shop's page allowed and the test's SMTP listener.
async function relayFor() {
  const relay = await startRelay({ WARMLINE_DEMO_ORIGINS: shop.origin, WARMLINE_SMTP_URL: smtp.url });
  shop.relay = relay.url;
  return relay;
}

/// Adds Levan to the demo site (as its owner, from the owner's console).
async function addLevan(owner) {
  const status = await owner.evaluate(async () => {
    const response = await fetch('/api/site/members', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'levan@demo.test', name: 'Levan', password: 'a long password', role: 'agent' }),
    });
    return response.status;
  });
  assert.equal(status, 204);
}

/// Changes the demo site's handoff settings (as its owner).
async function handoffSettings(owner, change) {
  const status = await owner.evaluate(async (change) => {
    const settings = await (await fetch('/api/site/settings')).json();
    Object.assign(settings.handoff, change);
    const response = await fetch('/api/site/settings', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(settings),
    });
    return response.status;
  }, change);
  assert.equal(status, 200);
}

/// The widget's queue card: its text once it says `text`.
async function queueSays(page, text) {
  const card = page.locator('.queue', { hasText: text });
  await card.waitFor();
  return card.innerText();
}

/// An offer card in the console, for the visitor whose message reads `text`.
const offerOf = (console_, text) => console_.locator('.offer', { hasText: text });

/// Every text frame the page's sockets receive.
function framesOf(page) {
  const frames = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
  return frames;
}

test('visitors queue, offers go round-robin, the frustrated go first, a transfer note stays with agents', async () => {
  const relay = await relayFor();
  const nino = await signInConsole(browser, relay.url);
  await addLevan(nino);
  await handoffSettings(nino, { offer_seconds: 600 });
  const levan = await signInConsole(browser, relay.url, 'levan@demo.test', 'a long password');

  // A Georgian visitor asks for a person in words; the first offer goes to Nino.
  const ana = await newVisitor(browser, `${shop.origin}/`, { locale: 'ka-GE' });
  const anaFrames = framesOf(ana.page);
  await openChat(ana.page, ka);
  await send(ana.page, 'მინდა ოპერატორთან საუბარი', ka);
  assert.match(await queueSays(ana.page, ka.queue_next), new RegExp(ka.wait_unknown));
  await offerOf(nino, 'ოპერატორთან').waitFor();

  // An English visitor presses "Talk to a person": second in line, offered to Levan.
  const ben = await newVisitor(browser, `${relay.url}/demo/`);
  await openChat(ben.page);
  await send(ben.page, 'Hello there');
  await ben.page.getByRole('button', { name: en.talk_to_person, exact: true }).click();
  await queueSays(ben.page, en.queue_position.replace('{position}', '2'));
  await offerOf(levan, en.bot_person_request).waitFor();
  assert.equal(await offerOf(nino, en.bot_person_request).count(), 0, 'round-robin: not both to Nino');

  // A frustrated visitor goes ahead of both; the agents see why.
  const cem = await newVisitor(browser, `${relay.url}/demo/`);
  await openChat(cem.page);
  await send(cem.page, 'THIS IS THE THIRD TIME I ASK!!!');
  await queueSays(cem.page, en.queue_next);
  await queueSays(ben.page, en.queue_position.replace('{position}', '3'));
  await queueSays(ana.page, ka.queue_position.replace('{position}', '2'));
  await screenshot(ana.page, 'handoff-widget-queue-ka');
  await nino.getByRole('button', { name: /^Waiting/ }).click();
  const waiting = nino.locator('.inbox .item');
  await waiting.first().filter({ hasText: 'THIRD TIME' }).waitFor();
  const signals = await waiting.first().locator('.signal').allInnerTexts();
  assert.deepEqual(signals, ['writing in capitals', '!!! or ???']);
  assert.equal(await waiting.count(), 3);
  await screenshot(nino, 'handoff-console-waiting');

  // Nino accepts Ana: she is told who joined, in Georgian, and the others move up.
  await offerOf(nino, 'ოპერატორთან').getByRole('button', { name: 'Accept' }).click();
  await ana.page.locator('.line', { hasText: ka.bot_joined.replace('{agent}', 'Nino') }).waitFor();
  await ana.page.locator('.queue').first().waitFor({ state: 'hidden' });
  await queueSays(ben.page, en.queue_position.replace('{position}', '2'));
  await nino.getByRole('textbox', { name: 'Reply', exact: true }).fill('გამარჯობა ანა, რით დაგეხმაროთ?');
  await nino.keyboard.press('Enter');
  await ana.page.locator('.line.theirs', { hasText: 'გამარჯობა ანა, რით დაგეხმაროთ?' }).waitFor();

  // Nino hands Ana to Levan with a note only agents see.
  const note = 'Wants a refund for order 4411, be gentle';
  await nino.getByRole('button', { name: 'Transfer', exact: true }).click();
  await nino.getByLabel('Transfer to').selectOption({ label: 'Levan (Online)' });
  await nino.getByLabel(/Note for your colleague/).fill(note);
  await nino.locator('form.transfer').getByRole('button', { name: 'Transfer' }).click();
  await ana.page.locator('.line', { hasText: ka.bot_transferred.replace('{agent}', 'Levan') }).waitFor();
  await levan.getByRole('button', { name: /^Mine/ }).click();
  await levan.locator('.inbox .item', { hasText: 'Levan' }).first().click();
  await levan.getByText(`Transfer note: ${note}`).waitFor();
  await screenshot(levan, 'handoff-console-transfer-note');
  assert.ok(anaFrames.length > 5, 'the test saw the visitor socket');
  assert.ok(!anaFrames.some((f) => f.includes('refund for order 4411')), 'the note never reached the visitor');

  for (const page of [ana, ben, cem]) assert.deepEqual(page.errors, []);
  await relay.stop();
});

test('an offer nobody answers moves to the next agent', async () => {
  const relay = await relayFor();
  const nino = await signInConsole(browser, relay.url);
  await addLevan(nino);
  await handoffSettings(nino, { offer_seconds: 5 });
  const levan = await signInConsole(browser, relay.url, 'levan@demo.test', 'a long password');

  const { page } = await newVisitor(browser, `${relay.url}/demo/`);
  await openChat(page);
  await send(page, 'Can I talk to an operator?');
  // Whoever is offered it first lets it lapse; it moves to the other.
  const first = offerOf(nino, 'operator');
  const second = offerOf(levan, 'operator');
  await Promise.race([first.waitFor(), second.waitFor()]);
  const [got, other] = (await first.count()) ? [first, second] : [second, first];
  await other.waitFor({ timeout: 15_000 });
  await got.waitFor({ state: 'detached' });
  await other.getByRole('button', { name: 'Accept' }).click();
  await page.locator('.line', { hasText: /has joined the conversation/ }).waitFor();
  await relay.stop();
});

test('with both agents offline the visitor leaves a message and the reply comes by email', async () => {
  const relay = await relayFor();
  const agent = await signInConsole(browser, relay.url);
  await addLevan(agent);
  const levan = await signInConsole(browser, relay.url, 'levan@demo.test', 'a long password');
  for (const console_ of [agent, levan]) {
    await console_.getByLabel('Availability').selectOption('offline');
    await console_.locator('.dot.offline').waitFor();
  }
  const { page, errors } = await newVisitor(browser, `${relay.url}/demo/`);
  await openChat(page);
  await send(page, 'I want to talk to a person');
  // The widget says so honestly and offers a form instead of a queue.
  await page.getByText(en.leave_title).waitFor();
  await page.getByRole('textbox', { name: en.leave_name }).fill('Mariam');
  await page.getByRole('textbox', { name: en.leave_email }).fill('mariam@example.am');
  await page.getByRole('textbox', { name: en.leave_message }).fill('Please call me back about order 12');
  await screenshot(page, 'handoff-widget-leave-message');
  await page.getByRole('button', { name: en.leave_send }).click();
  await page.getByText(en.leave_sent.replace('{email}', 'mariam@example.am')).waitFor();
  await page.getByText(en.sending).waitFor({ state: 'detached' });

  // An agent comes back later, takes it from the queue and answers.
  await agent.getByLabel('Availability').selectOption('online');
  await agent.getByRole('button', { name: /^Waiting/ }).click();
  await agent.locator('.inbox .item', { hasText: 'order 12' }).click();
  await agent.getByText(/replies are also emailed/).waitFor();
  await agent.getByRole('textbox', { name: 'Reply', exact: true }).fill('Hi Mariam, we will call you at five.');
  await agent.keyboard.press('Enter');
  const email = await smtp.received('we will call you at five');
  assert.match(email, /To: Mariam <mariam@example\.am>/);
  assert.match(email, /Nino/);

  // And the widget shows the reply when she comes back.
  await page.reload();
  await page.locator('.line.theirs', { hasText: 'Hi Mariam, we will call you at five.' }).waitFor();
  assert.deepEqual(errors, []);
  await relay.stop();
});

test('an owner marks sensitive topics and sets business hours in the console', async () => {
  const relay = await relayFor();
  const owner = await signInConsole(browser, relay.url);
  await owner.getByRole('button', { name: 'Settings', exact: true }).click();
  await owner.getByLabel('Topics in English').fill('refund dispute\ncomplaint');
  await owner.getByLabel(/Seconds an agent has/).fill('45');
  await owner.getByLabel(/Answer only during business hours/).check();
  await owner.getByLabel(/Time zone/).fill('Asia/Tbilisi');
  await owner.getByLabel('Saturday', { exact: true }).fill('10:00-14:00');
  await owner.getByLabel('Sunday', { exact: true }).fill('9 to 5');
  await owner.getByRole('button', { name: 'Save settings' }).click();
  // A day that is not a span of hours is named, and nothing is saved.
  await owner.getByText('“9 to 5” is not a span of hours').waitFor();
  await owner.getByLabel('Sunday', { exact: true }).fill('');
  await owner.getByRole('button', { name: 'Save settings' }).click();
  await owner.getByText(/^Saved\./).waitFor();
  await owner.locator('h3', { hasText: 'Handoff to people' }).scrollIntoViewIfNeeded();
  await screenshot(owner, 'handoff-console-settings');
  const saved = await owner.evaluate(async () => (await (await fetch('/api/site/settings')).json()).handoff);
  assert.deepEqual(saved.sensitive, { en: ['refund dispute', 'complaint'] });
  assert.equal(saved.offer_seconds, 45);
  assert.equal(saved.hours.time_zone, 'Asia/Tbilisi');
  assert.deepEqual(saved.hours.days[5], [[600, 840]]);
  assert.deepEqual(saved.hours.days[0], [[540, 1080]]);
  assert.deepEqual(saved.hours.days[6], []);

  // Business hours aside, a message on a sensitive topic goes to people at once.
  await owner.evaluate(async () => {
    const settings = await (await fetch('/api/site/settings')).json();
    settings.handoff.hours = null;
    await fetch('/api/site/settings', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(settings) });
  });
  const { page } = await newVisitor(browser, `${relay.url}/demo/`);
  await openChat(page);
  await send(page, 'I want to open a complaint about my parcel');
  await queueSays(page, en.queue_next);
  await owner.getByRole('button', { name: 'Conversations', exact: true }).click();
  await owner.locator('.offer', { hasText: 'sensitive topic' }).waitFor();
  await relay.stop();
});
