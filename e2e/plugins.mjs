// End-to-end: the bundled Hello plugin (installed at start-up from RAMPART_PLUGINS_DIR) in a real browser.
// Leeds' organisation admin turns it on and grants the capability it asks for on /admin/plugins; the
// learner Lena finds its page in the site menu, submits its form empty (the host's check answers with a
// linked error summary and the plugin is not called), adds two notes, sorts the notes table through its
// header links (no script), downloads it as CSV and reads the plugin's JSON route, with axe-core on each
// page and a phone-width check. Run by engine/server/tests/it/browser.rs (RAMPART_URL, LEARNER_EMAIL,
// ORG_ADMIN_EMAIL). Debian's chromium only.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { accessibilityChecker, launchChromium } from './support.mjs';

const base = process.env.RAMPART_URL ?? 'http://127.0.0.1:3000';
const artifacts = process.env.ARTIFACTS_DIR ?? 'target/e2e';
const learnerEmail = process.env.LEARNER_EMAIL ?? 'lena@leeds.example';
const adminEmail = process.env.ORG_ADMIN_EMAIL ?? 'olu@leeds.example';
const PASSWORD = 'correct horse battery staple';
const ORGANISATION = 'Leeds Trust';
const PAGE_PATH = '/plugins/hello/home';
// Added in this order; sorted by their text the order flips.
const FIRST_NOTE = 'Phishing drill on Friday';
const SECOND_NOTE = 'Backup restore test on Monday';
mkdirSync(artifacts, { recursive: true });

const browser = await launchChromium();
const { check: checkAccessibility, problems: accessibilityProblems } = accessibilityChecker();

let step = 'start';
const problems = [];
function check(name) { step = name; console.log(`[step] ${name}`); }
function watch(page) {
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
}

async function signIn(context, email) {
  const page = await context.newPage();
  watch(page);
  await page.goto(base + '/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
  return page;
}

// The text of the first cell of each row of the notes table, top to bottom.
async function noteColumn(page) {
  return page.locator('#table-notes tbody tr').evaluateAll((rows) => rows.map((row) => row.cells[0].textContent.trim()));
}

async function noSidewaysScroll(page, name) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `${name}: no sideways scrolling on a phone (${overflow}px too wide)`);
}

try {
  const adminContext = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const admin = await signIn(adminContext, adminEmail);

  check('the organisation admin opens Plugins from the header and sees Hello, off for Leeds');
  const plugins = admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Plugins', exact: true });
  if (await plugins.count()) {
    await plugins.first().click();
    await admin.waitForURL('**/admin/plugins');
  } else {
    await admin.goto(base + '/admin/plugins');
  }
  await admin.getByRole('heading', { level: 1, name: 'Plugins' }).waitFor();
  const section = admin.locator('section.plugin-admin').filter({ has: admin.getByRole('heading', { level: 2, name: 'Hello' }) });
  await section.waitFor();
  assert.match(await section.textContent(), /Notes for your organisation/, 'the plugin describes itself');
  const turnOn = section.getByLabel(`Turn on for ${ORGANISATION}`);
  const engineEvents = section.getByRole('checkbox', { name: /events\.engine/ });
  assert.equal(await turnOn.isChecked(), false, 'not on for Leeds yet');
  assert.equal(await engineEvents.isChecked(), false, 'nothing granted yet');
  assert.equal(await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Hello', exact: true }).count(), 0,
    'the page is not in the menu while the plugin is off');
  await checkAccessibility(admin, 'plugins admin (off)');

  check('the admin turns it on for Leeds with the capability it asks for, and saves');
  await turnOn.check();
  await engineEvents.check();
  await section.getByRole('button', { name: 'Save settings for Hello' }).click();
  await admin.waitForURL((url) => url.pathname === '/admin/plugins' && url.searchParams.get('saved') === 'hello');
  await admin.getByRole('status').filter({ hasText: 'Your settings for Hello were saved.' }).waitFor();
  assert.equal(await section.getByLabel(`Turn on for ${ORGANISATION}`).isChecked(), true, 'on for Leeds');
  assert.equal(await section.getByRole('checkbox', { name: /events\.engine/ }).isChecked(), true, 'granted');
  await admin.getByRole('row', { name: /Hello/ }).getByRole('cell', { name: 'On', exact: true }).waitFor();
  await checkAccessibility(admin, 'plugins admin (saved)');
  await admin.screenshot({ path: join(artifacts, 'plugins-admin.png'), fullPage: true });

  check('the learner finds the plugin page in the site menu');
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await signIn(context, learnerEmail);
  // Counts full page loads, so a sort can be shown to be a navigation rather than script.
  let documentLoads = 0;
  page.on('load', () => { documentLoads += 1; });
  const menuLink = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Hello', exact: true });
  await menuLink.waitFor();
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Plugins', exact: true }).count(), 0,
    'learners get no admin link');
  await menuLink.click();
  await page.waitForURL(`**${PAGE_PATH}`);
  await page.getByRole('heading', { level: 1, name: 'Hello' }).waitFor();
  await page.getByText('No notes yet.').waitFor();
  assert.equal(await menuLink.getAttribute('aria-current'), 'page', 'the menu marks the current page');
  await checkAccessibility(page, 'plugin page (empty)');

  check('an empty note is refused by the host: a linked error summary, and the plugin is not called');
  await page.getByRole('button', { name: 'Add note' }).click();
  const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
  await summary.waitFor();
  assert.match(await page.title(), /^Error: /, 'the title says there is an error');
  const field = page.getByRole('textbox', { name: /^Note/ });
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  const describedBy = (await field.getAttribute('aria-describedby')) ?? '';
  const messageId = describedBy.split(' ').find((id) => id.endsWith('-error'));
  assert.ok(messageId, `the field is described by its error message (${describedBy})`);
  assert.match(await page.locator(`#${messageId}`).textContent(), /Enter note/);
  const errorLink = summary.getByRole('link', { name: 'Enter note' });
  assert.equal(await errorLink.getAttribute('href'), `#${await field.getAttribute('id')}`, 'the summary links to the field');
  await page.getByText('No notes yet.').waitFor();
  const untouched = await page.request.get(base + '/p/hello/notes');
  assert.deepEqual(await untouched.json(), [], 'nothing was stored');
  await checkAccessibility(page, 'plugin page with an error');
  await page.screenshot({ path: join(artifacts, 'plugin-page-error.png'), fullPage: true });
  await errorLink.click();
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-invalid') === 'true');
  assert.equal(await field.evaluate((el) => el === document.activeElement), true, 'the link moves focus to the field');

  check('a note is added: a success notice and the note in the table');
  await field.fill(FIRST_NOTE);
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.getByRole('status').filter({ hasText: 'Note added.' }).waitFor();
  assert.equal(await page.getByRole('alert').count(), 0, 'the error is gone');
  assert.deepEqual(await noteColumn(page), [FIRST_NOTE]);

  check('a second note is added after it');
  await page.getByRole('textbox', { name: /^Note/ }).fill(SECOND_NOTE);
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.getByRole('status').filter({ hasText: 'Note added.' }).waitFor();
  assert.deepEqual(await noteColumn(page), [FIRST_NOTE, SECOND_NOTE], 'oldest first');
  const table = page.getByRole('table', { name: 'Notes, oldest first' });
  assert.equal(await table.locator('th[aria-sort]').count(), 0, 'not sorted by a column yet');
  await checkAccessibility(page, 'plugin page with the notes table');

  check('the table sorts by its Note column through its header link: the server sorts');
  const sortedBy = (value) => (url) => url.pathname === PAGE_PATH && url.searchParams.get('sort') === value;
  const noteHeader = table.getByRole('columnheader', { name: /^Note/ });
  const loadsBeforeSort = documentLoads;
  await noteHeader.getByRole('link', { name: /sort ascending/ }).click();
  await page.waitForURL(sortedBy('notes.0.asc'));
  assert.equal(documentLoads, loadsBeforeSort + 1, 'sorting is a plain link to a server-sorted page');
  assert.deepEqual(await noteColumn(page), [SECOND_NOTE, FIRST_NOTE], 'A to Z');
  assert.equal(await noteHeader.getAttribute('aria-sort'), 'ascending');
  assert.equal(await table.locator('th[aria-sort]').count(), 1, 'only the sorted column says so');

  check('the CSV download has the notes, in the order on screen');
  const csvLink = page.getByRole('link', { name: /Download.*CSV/ });
  const csvHref = await csvLink.getAttribute('href');
  assert.ok(csvHref.startsWith(`${PAGE_PATH}/notes.csv?`) && csvHref.includes('sort=notes.0.asc'), `the CSV link: ${csvHref}`);
  const csv = await page.request.get(new URL(csvHref, base).href);
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()['content-type'] ?? '', /^text\/csv/);
  assert.match(csv.headers()['content-disposition'] ?? '', /attachment/);
  const csvText = await csv.text();
  assert.match(csvText, /^(\ufeff)?Note,Added \(UTC\)\r?\n/, `the column headings first:\n${csvText}`);
  assert.ok(csvText.includes(FIRST_NOTE) && csvText.includes(SECOND_NOTE), `both notes in the CSV:\n${csvText}`);
  assert.ok(csvText.indexOf(SECOND_NOTE) < csvText.indexOf(FIRST_NOTE), `A to Z, as on screen:\n${csvText}`);

  check('the sorted column sorts the other way from its header link');
  await noteHeader.getByRole('link', { name: /sort descending/ }).click();
  await page.waitForURL(sortedBy('notes.0.desc'));
  assert.deepEqual(await noteColumn(page), [FIRST_NOTE, SECOND_NOTE], 'Z to A');
  assert.equal(await noteHeader.getAttribute('aria-sort'), 'descending');
  await page.screenshot({ path: join(artifacts, 'plugin-page-sorted.png'), fullPage: true });

  check('the JSON route returns the notes under a CSP that allows nothing');
  const json = await page.request.get(base + '/p/hello/notes');
  assert.equal(json.status(), 200);
  assert.match(json.headers()['content-type'] ?? '', /^application\/json/);
  assert.match(json.headers()['content-security-policy'] ?? '', /default-src 'none'/);
  const notes = await json.json();
  assert.deepEqual(notes.map((n) => n.text), [FIRST_NOTE, SECOND_NOTE], 'oldest first');

  check('a phone-sized screen has no sideways scrolling');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(base + PAGE_PATH);
  await table.waitFor();
  await noSidewaysScroll(page, 'plugin page');
  await page.screenshot({ path: join(artifacts, 'plugin-page-phone.png'), fullPage: true });
  await page.getByRole('button', { name: 'Add note' }).click();
  await summary.waitFor();
  await noSidewaysScroll(page, 'plugin page with an error');
  await admin.setViewportSize({ width: 390, height: 844 });
  await admin.reload();
  await noSidewaysScroll(admin, 'plugins admin');
  await admin.screenshot({ path: join(artifacts, 'plugins-admin-phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 1000 });
  await page.goto(base + PAGE_PATH);
  await page.screenshot({ path: join(artifacts, 'plugin-page.png'), fullPage: true });

  if (problems.length) throw new Error(`the pages reported errors:\n${problems.join('\n')}`);
  if (accessibilityProblems.length) throw new Error(`accessibility violations:\n${accessibilityProblems.join('\n')}`);
  console.log('plugins browser test passed');
} catch (error) {
  console.error(`failed at step: ${step}`);
  console.error(error);
  if (problems.length) console.error(problems.join('\n'));
  if (accessibilityProblems.length) console.error(accessibilityProblems.join('\n'));
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    const last = pages[pages.length - 1];
    if (last) await last.screenshot({ path: join(artifacts, 'plugins-failure.png'), fullPage: true });
  } catch {}
  process.exitCode = 1;
} finally {
  await browser.close();
}
