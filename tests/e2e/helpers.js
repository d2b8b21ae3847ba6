// What the widget tests do again and again: a fresh visitor, the chat
// opened, a message sent and acknowledged, an agent signed in to the console.
import { readFileSync } from 'node:fs';
import { PASSWORD } from './relay.js';

/// The widget's own catalogues (and the test's extra ones), as the relay serves them.
export function catalogue(lang) {
  const dir = lang === 'he' ? './fixtures/locales/' : '../../widget/locales/';
  return JSON.parse(readFileSync(new URL(`${dir}${lang}.json`, import.meta.url), 'utf8'));
}

export const en = catalogue('en');

/// A visitor with their own storage (a browser of their own) on `url`.
/// `errors` collects every uncaught script error on the page.
export async function newVisitor(browser, url, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (url) await page.goto(url);
  return { context, page, errors };
}

/// Clicks the launcher and waits until the message box is there.
export async function openChat(page, words = en) {
  await page.getByRole('button', { name: words.launcher_open, exact: true }).click();
  await page.getByRole('textbox', { name: words.message, exact: true }).waitFor();
}

/// The panel's greeting line.
export const intro = (page) => page.getByRole('log').locator('.intro');

/// Writes `text` and presses Enter, then waits until the relay has
/// acknowledged it: the line is there and nothing is left "Sending…".
export async function send(page, text, words = en) {
  await page.getByRole('textbox', { name: words.message, exact: true }).fill(text);
  await page.keyboard.press('Enter');
  await acknowledged(page, text, words);
}

export async function acknowledged(page, text, words = en) {
  await page.locator('.line.mine', { hasText: text }).waitFor();
  await page.getByText(words.sending).waitFor({ state: 'detached' });
}

/// A message's own text, without the "You said, 10:42: " for screen readers.
export const texts = (page, side = 'mine') =>
  page.locator(`.line.${side} .bubble > span:not(.sr)`).allTextContents();

/// An agent signed in to the console, in a browser of their own.
export async function signInConsole(browser, relayUrl, email = 'agent@demo.test', password = PASSWORD) {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${relayUrl}/console/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
  return page;
}

/// The greeting a named visitor gets on a first visit, for the hour it is
/// in the visitor's browser now.
export async function firstVisitGreeting(page, name, words = en) {
  const hour = await page.evaluate(() => new Date().getHours());
  const key = hour >= 5 && hour <= 11 ? 'greeting_morning' : hour >= 12 && hour <= 17 ? 'greeting_afternoon' : 'greeting_evening';
  return words[key].replace('{name}', name);
}
