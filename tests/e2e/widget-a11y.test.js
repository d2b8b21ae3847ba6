// The widget for people who use a keyboard or a screen reader: every step of
// a chat by keyboard alone, and axe-core's checks of the whole page with the
// panel open (axe looks inside the widget's open shadow root).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launchBrowser, screenshot, startRelay } from './relay.js';
import { en, newVisitor, openChat, send, texts } from './helpers.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

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

/// What has the keyboard focus, looking into the widget's shadow root.
const focused = (page) =>
  page.evaluate(() => {
    let at = document.activeElement;
    while (at?.shadowRoot?.activeElement) at = at.shadowRoot.activeElement;
    return at && { tag: at.tagName, name: at.getAttribute('aria-label'), widget: at.getRootNode() !== document };
  });

test('a visitor can chat by keyboard alone', async () => {
  const { context, page, errors } = await newVisitor(browser, `${relay.url}/demo/`);
  await page.getByRole('button', { name: en.launcher_open, exact: true }).waitFor();

  // Tab through the shop's own links and buttons until the launcher has focus.
  let at;
  for (let presses = 0; presses < 30; presses++) {
    await page.keyboard.press('Tab');
    at = await focused(page);
    if (at?.widget) break;
  }
  assert.deepEqual(at, { tag: 'BUTTON', name: en.launcher_open, widget: true }, 'Tab reaches the launcher');

  // Enter opens the chat and puts the cursor in the message box.
  await page.keyboard.press('Enter');
  const box = page.getByRole('textbox', { name: en.message, exact: true });
  await box.waitFor();
  await page.waitForFunction(() => {
    const root = document.getElementById('warmline-root').shadowRoot;
    return root.activeElement?.getAttribute('aria-label') === 'Message';
  });

  // Shift+Enter is a new line, not a send.
  await page.keyboard.type('first line');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('second line');
  assert.equal(await box.inputValue(), 'first line\nsecond line');
  assert.equal(await page.locator('.line.mine').count(), 0, 'nothing sent yet');

  // Enter sends both lines as one message; the box empties and keeps focus.
  await page.keyboard.press('Enter');
  await page.locator('.line.mine').waitFor();
  await page.getByText(en.sending).waitFor({ state: 'detached' });
  assert.deepEqual(await texts(page), ['first line\nsecond line']);
  assert.equal(await box.inputValue(), '');
  await page.keyboard.type('and one more');
  await page.keyboard.press('Enter');
  await page.locator('.line.mine', { hasText: 'and one more' }).waitFor();
  await screenshot(page, 'a11y-keyboard-sent');

  // Escape closes the panel and gives the focus back to the launcher.
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'hidden' });
  assert.deepEqual(await focused(page), { tag: 'BUTTON', name: en.launcher_open, widget: true },
    'focus is back on the launcher');
  await screenshot(page, 'a11y-keyboard-closed');
  assert.deepEqual(errors, []);
  await context.close();
});

/// axe-core's violations on the whole page, as "rule: where (what)" lines.
async function axeViolations(page) {
  await page.addScriptTag({ content: AXE });
  const { violations, checkedInWidget } = await page.evaluate(async () => {
    const results = await axe.run(document);
    // A node in a shadow root is named by a path: [host selector, inner selector].
    const inWidget = (n) => Array.isArray(n.target[0]) && n.target[0][0] === '#warmline-root';
    return {
      violations: results.violations,
      checkedInWidget: results.passes.flatMap((r) => r.nodes).filter(inWidget).length,
    };
  });
  // Zero violations mean something only if axe looked inside the widget.
  assert.ok(checkedInWidget > 10, `axe checked the widget's insides (${checkedInWidget} nodes)`);
  return violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id}: ${JSON.stringify(n.target)} (${n.failureSummary.replace(/\s+/g, ' ')})`));
}

test('axe-core finds no violations on the demo page with the chat open', async () => {
  const { context, page } = await newVisitor(browser, `${relay.url}/demo/`);
  await openChat(page);
  // A conversation in the log, with the ask-for-a-name bar showing.
  await send(page, 'Do you ship to Yerevan?');
  await page.getByRole('group', { name: en.ask_name }).waitFor();
  await screenshot(page, 'a11y-axe-demo');
  assert.deepEqual(await axeViolations(page), []);
  await context.close();
});

test('axe-core finds no violations with the chat open full screen on a phone', async () => {
  const { context, page } = await newVisitor(browser, `${relay.url}/demo/`,
    { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await openChat(page);
  await send(page, 'Do you ship to Tbilisi?');
  await screenshot(page, 'a11y-axe-phone');
  assert.deepEqual(await axeViolations(page), []);
  await context.close();
});

test('on a phone the chat fills the screen and keeps the keyboard inside it', async () => {
  const { context, page } = await newVisitor(browser, `${relay.url}/demo/`, {
    viewport: { width: 390, height: 780 },
  });
  await openChat(page);
  const panel = await page.locator('.panel').boundingBox();
  assert.deepEqual([panel.x, panel.y, panel.width, panel.height], [0, 0, 390, 780]);
  assert.equal(await page.getByRole('dialog').getAttribute('aria-modal'), 'true');
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press(i % 3 ? 'Tab' : 'Shift+Tab');
    const at = await focused(page);
    assert.ok(at?.widget, `focus left the panel after ${i + 1} presses`);
  }
  await screenshot(page, 'a11y-phone-modal');
  await context.close();
});
