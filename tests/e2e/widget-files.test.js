// Files visitors send: a picture goes through and shows in the log; a file
// that is not what it claims, or is too large, is refused with a code the
// widget can explain; nobody but its sender and the site's agents can fetch
// a file. The API is called from the visitors' own pages, with the token the
// widget keeps, as the widget itself calls it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, deflateSync } from 'node:zlib';
import { launchBrowser, screenshot, startRelay } from './relay.js';
import { en, newVisitor, openChat, send, signInConsole } from './helpers.js';

const MB = 1024 * 1024;

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

/// A real PNG picture (a square of one colour), so the browser can draw it.
function png(size = 48, [r, g, b] = [194, 65, 12]) {
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array(size).fill([r, g, b]).flat())]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(Array(size).fill(row)))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/// A visitor with the chat open and the token the relay gave their browser.
async function visitorWithToken() {
  const visitor = await newVisitor(browser, `${relay.url}/demo/`);
  await openChat(visitor.page);
  const token = await (await visitor.page.waitForFunction(() => localStorage.getItem('warmline.demo.token'))).jsonValue();
  return { ...visitor, token };
}

/// Uploads bytes from the page: `{ bytes }` as given, or `{ png: n }` for n
/// bytes that start like a PNG (the relay reads the content, not the name).
const upload = (page, what, name, token) =>
  page.evaluate(async ({ what, name, token, relayUrl }) => {
    const body = what.bytes ? new Uint8Array(what.bytes) : new Uint8Array(what.png);
    if (what.png) body.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    const response = await fetch(`${relayUrl}/api/attachments?site=demo&name=${encodeURIComponent(name)}`, {
      method: 'POST', headers: { authorization: `Bearer ${token}` }, body,
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  }, { what, name, token, relayUrl: relay.url });

/// Fetches an attachment from the page, as `who` (a token, or none).
const download = (page, id, token) =>
  page.evaluate(async ({ url, token }) => {
    const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const bytes = new Uint8Array(await response.arrayBuffer());
    return { status: response.status, type: response.headers.get('content-type'), size: bytes.length, head: [...bytes.slice(0, 4)] };
  }, { url: `${relay.url}/api/attachments/${id}`, token });

test('a disguised file and an oversized one are refused, each with its reason', async () => {
  const { context, page, token } = await visitorWithToken();
  // A Windows program renamed to look like a picture.
  const program = [0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff, 0, 0, ...Array(200).fill(0)];
  const disguised = await upload(page, { bytes: program }, 'holiday.png', token);
  assert.equal(disguised.status, 415);
  assert.equal(disguised.body?.code, 'file_type');

  // The demo site keeps the default limit of 10 MB: one byte over is refused,
  // the limit itself is fine.
  const oversized = await upload(page, { png: 10 * MB + 1 }, 'huge.png', token);
  assert.equal(oversized.status, 413);
  assert.equal(oversized.body?.code, 'file_too_large');
  const atTheLimit = await upload(page, { png: 10 * MB }, 'big.png', token);
  assert.equal(atTheLimit.status, 200, JSON.stringify(atTheLimit.body));

  // Through the paperclip, the visitor is told why in words.
  await page.getByLabel(en.attach).setInputFiles({
    name: 'holiday.png', mimeType: 'image/png', buffer: Buffer.from(program),
  });
  await page.getByRole('status').getByText(en.file_wrong_type.replace('{file}', 'holiday.png')).waitFor();
  await screenshot(page, 'files-refused');
  assert.equal(await page.locator('.line.mine').count(), 0, 'nothing was sent');
  await context.close();
});

test('a visitor\'s file is theirs and the agents\': another visitor cannot fetch it', async () => {
  const ana = await visitorWithToken();
  const picture = await upload(ana.page, { bytes: [...png()] }, 'parcel.png', ana.token);
  assert.equal(picture.status, 200);
  assert.equal(picture.body.mime, 'image/png');
  const { id } = picture.body;

  // Its sender gets it back.
  assert.deepEqual(await download(ana.page, id, ana.token),
    { status: 200, type: 'image/png', size: png().length, head: [0x89, 0x50, 0x4e, 0x47] });

  // Another visitor, on their own browser with their own token, gets
  // nothing, as does a page with no token or a made-up one.
  const stranger = await visitorWithToken();
  assert.notEqual(stranger.token, ana.token);
  for (const token of [stranger.token, undefined, 'f'.repeat(64)]) {
    const answer = await download(stranger.page, id, token);
    assert.equal(answer.status, 404, `as ${token ? 'a token' : 'nobody'}`);
    assert.equal(answer.head.includes(0x89), false, 'not a byte of the picture');
  }

  // The site's agent, signed in to the console, can open it.
  const agent = await signInConsole(browser, relay.url);
  assert.equal((await download(agent, id)).status, 200);
  await screenshot(stranger.page, 'files-stranger');
  await agent.context().close();
  await stranger.context.close();
  await ana.context.close();
});

test('a picture sent through the paperclip shows in the log', async () => {
  const { context, page, errors } = await visitorWithToken();
  await send(page, 'Here is the damaged parcel:');
  await page.getByLabel(en.attach).setInputFiles({ name: 'parcel.png', mimeType: 'image/png', buffer: png(96) });
  const image = page.locator('.line.mine img[alt="parcel.png"]');
  await image.waitFor();
  await page.waitForFunction(() => {
    const img = document.getElementById('warmline-root').shadowRoot.querySelector('.line.mine img');
    return img?.complete && img.naturalWidth === 96;
  });
  await page.getByText(en.sending).waitFor({ state: 'detached' });
  await screenshot(page, 'files-picture');
  assert.deepEqual(errors, []);
  await context.close();
});
