// End-to-end: the bundled Broadcasts plugin (installed at start-up from RAMPART_PLUGINS_DIR) in a real
// browser, the security lead's acknowledgement flow. Leeds' organisation admin turns it on and grants every
// capability it asks for on /admin/plugins; the national CERT's analyst (no organisation) writes an
// advisory on the CERT desk (CVSS 3.1 vector, acute trusts, security leads), previews it as a draft
// ("9.8 Critical") and publishes it; the background dispatcher delivers it to Leeds, whose security lead
// sees the danger banner and the unread advisory in the inbox, opens it, acknowledges it, is refused a
// response that applies without a plan or date (a linked error summary whose links move focus to the
// fields; focus starts on the summary), then sends a complete one and sees both on the timeline; the CERT's dashboard then shows Leeds as responded.
// axe-core on the CERT's form, the inbox and the advisory (before and after acknowledging), and
// phone-width checks. Run by engine/server/tests/it/browser.rs (RAMPART_URL, ORG_ADMIN_EMAIL,
// SECURITY_LEAD_EMAIL, CERT_ANALYST_EMAIL). Debian's chromium only.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { accessibilityChecker, launchChromium } from './support.mjs';

const base = process.env.RAMPART_URL ?? 'http://127.0.0.1:3000';
const artifacts = process.env.ARTIFACTS_DIR ?? 'target/e2e';
const adminEmail = process.env.ORG_ADMIN_EMAIL ?? 'olu@leeds.example';
const leadEmail = process.env.SECURITY_LEAD_EMAIL ?? 'sam@leeds.example';
const analystEmail = process.env.CERT_ANALYST_EMAIL ?? 'cat@cert.example';
const LEAD_NAME = 'Sam Lead';
const PASSWORD = 'correct horse battery staple';
const ORGANISATION = 'Leeds Trust';
const PLUGIN = '/plugins/broadcasts';
// Everything Broadcasts asks for; the admin grants each of them.
const CAPABILITIES = ['events.cross-organisation', 'events.platform', 'notify.in-app', 'notify.email',
  'notify.webhook', 'directory.read', 'training.assign'];
const TITLE = 'NetScaler exploited';
const SUMMARY = 'A remote code execution flaw in NetScaler is being exploited against NHS organisations.';
const VECTOR = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const ACTIONS = 'Found two appliances; took the management interface off the internet.';
const PLAN = "Patch both in tonight's change window.";
// Two weeks from today, as a date field takes it.
const PLAN_DATE = new Date(Date.now() + 14 * 24 * 3600 * 1000).toISOString().slice(0, 10);
// How long the background dispatcher may take to carry an event between the CERT and Leeds.
const DELIVERY_TIMEOUT_MS = 30_000;
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

async function signIn(email) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  watch(page);
  await page.goto(base + '/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
  return page;
}

async function noSidewaysScroll(page, name) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `${name}: no sideways scrolling on a phone (${overflow}px too wide)`);
}

// Reloads `page` until `locator` is there: events between the CERT and organisations are delivered by
// the server's background dispatcher, a moment after the form that sent them.
async function reloadUntil(page, locator, what) {
  const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
  for (;;) {
    if (await locator.count()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not there after ${DELIVERY_TIMEOUT_MS / 1000} s of reloading`);
    await page.waitForTimeout(500);
    await page.reload();
  }
}

async function atPhoneWidth(page, name) {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await noSidewaysScroll(page, name);
  await page.screenshot({ path: join(artifacts, `broadcasts-${name.replaceAll(' ', '-')}-phone.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 1000 });
}

try {
  check('the organisation admin turns Broadcasts on for Leeds with every capability it asks for');
  const admin = await signIn(adminEmail);
  await admin.goto(base + '/admin/plugins');
  await admin.getByRole('heading', { level: 1, name: 'Plugins' }).waitFor();
  const section = admin.locator('section.plugin-admin').filter({ has: admin.getByRole('heading', { level: 2, name: 'Broadcasts' }) });
  await section.waitFor();
  assert.match(await section.textContent(), /Threat advisories from the national CERT/, 'the plugin describes itself');
  const turnOn = section.getByLabel(`Turn on for ${ORGANISATION}`);
  assert.equal(await turnOn.isChecked(), false, 'not on for Leeds yet');
  assert.equal(await section.locator('input[name="capabilities[]"]').count(), CAPABILITIES.length,
    'a box for each capability it asks for');
  await turnOn.check();
  for (const capability of CAPABILITIES) {
    const box = section.getByRole('checkbox', { name: new RegExp(`${capability.replaceAll('.', '\\.')}$`) });
    assert.equal(await box.isChecked(), false, `${capability} not granted yet`);
    await box.check();
  }
  await section.getByRole('button', { name: 'Save settings for Broadcasts' }).click();
  await admin.waitForURL((url) => url.pathname === '/admin/plugins' && url.searchParams.get('saved') === 'broadcasts');
  await admin.getByRole('status').filter({ hasText: 'Your settings for Broadcasts were saved.' }).waitFor();
  assert.equal(await section.getByLabel(`Turn on for ${ORGANISATION}`).isChecked(), true, 'on for Leeds');
  for (const capability of CAPABILITIES) {
    const box = section.getByRole('checkbox', { name: new RegExp(`${capability.replaceAll('.', '\\.')}$`) });
    assert.equal(await box.isChecked(), true, `${capability} granted`);
  }
  await admin.getByRole('row', { name: /Broadcasts/ }).getByRole('cell', { name: 'On', exact: true }).waitFor();
  await admin.context().close();

  check('the CERT analyst opens the CERT desk from the menu and starts an advisory');
  const cert = await signIn(analystEmail);
  const desk = cert.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'CERT desk', exact: true });
  await desk.waitFor();
  await desk.click();
  await cert.waitForURL(`**${PLUGIN}/cert`);
  await cert.getByRole('heading', { level: 1, name: 'CERT desk' }).waitFor();
  await cert.getByText(/No advisories yet/).waitFor();
  await cert.getByRole('link', { name: 'Write an advisory', exact: true }).click();
  await cert.waitForURL(`**${PLUGIN}/edit`);
  await cert.getByRole('heading', { level: 1, name: 'Write an advisory' }).waitFor();
  await checkAccessibility(cert, 'CERT advisory form');

  check('the analyst fills in the advisory for the security leads of acute trusts and saves a draft');
  await cert.getByRole('textbox', { name: /^Title/ }).fill(TITLE);
  await cert.getByRole('textbox', { name: /^Summary/ }).fill(SUMMARY);
  await cert.getByRole('combobox', { name: /^Type/ }).selectOption({ label: 'Vulnerability' });
  await cert.getByRole('textbox', { name: /^CVE identifiers/ }).fill('CVE-2026-21234');
  await cert.getByRole('textbox', { name: /^CVSS vector/ }).fill(VECTOR);
  await cert.getByRole('textbox', { name: /^Remediation steps/ }).fill('Install 13.1-51.15 or later.\nCheck the logs for requests to /vpn/.');
  await cert.getByRole('radio', { name: 'TLP:AMBER', exact: true }).check();
  await cert.getByRole('group', { name: /^Who in each organisation/ }).getByRole('radio', { name: 'Security leads', exact: true }).check();
  await cert.getByRole('radio', { name: 'Organisations of the types ticked below', exact: true }).check();
  await cert.getByRole('checkbox', { name: 'Type: Acute trust', exact: true }).check();
  await cert.getByRole('button', { name: 'Save draft', exact: true }).click();
  await cert.waitForURL((url) => url.pathname === `${PLUGIN}/manage` && /^RAM-\d{4}-\d{4}$/.test(url.searchParams.get('id') ?? ''));
  const id = new URL(cert.url()).searchParams.get('id');
  console.log(`[info] the advisory is ${id}`);
  await cert.getByRole('status').filter({ hasText: `${id} saved as a draft` }).waitFor();

  check('the draft is previewed with its score, and publishing reaches Leeds');
  await cert.getByRole('heading', { level: 1, name: `${id}: ${TITLE}` }).waitFor();
  await cert.getByText('Below is the advisory as organisations will see it.').waitFor();
  await cert.getByText('9.8 Critical (CVSS 3.1)').waitFor();
  await cert.getByRole('heading', { name: 'Publish to 1 organisation' }).waitFor();
  await checkAccessibility(cert, 'CERT preview of the draft');
  await cert.screenshot({ path: join(artifacts, 'broadcasts-preview.png'), fullPage: true });
  await cert.getByRole('button', { name: 'Publish', exact: true }).click();
  await cert.getByRole('status').filter({ hasText: `${id} published to 1 organisation.` }).waitFor();
  const responses = cert.getByRole('table', { name: 'Organisations and their responses' });
  await responses.getByRole('row', { name: new RegExp(ORGANISATION) }).waitFor();

  check('the security lead sees the danger banner and the unread advisory in the inbox');
  const lead = await signIn(leadEmail);
  const advisories = lead.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Advisories', exact: true });
  await advisories.waitFor();
  await advisories.click();
  await lead.waitForURL(`**${PLUGIN}/inbox`);
  await lead.getByRole('heading', { level: 1, name: 'Advisories' }).waitFor();
  const inboxLink = lead.getByRole('table', { name: 'Advisories received, newest first' }).getByRole('link', { name: id, exact: true });
  await reloadUntil(lead, inboxLink, `${id} in Leeds' inbox`);
  const banner = lead.locator('.notice.tone-danger').filter({ hasText: 'acknowledging by your security lead' });
  await banner.waitFor();
  assert.match(await banner.textContent(), /1 high or critical advisory needs acknowledging by your security lead/);
  assert.equal(await banner.getByRole('link', { name: `${id}: ${TITLE}` }).count(), 1, 'the banner links to the advisory');
  const row = lead.getByRole('row', { name: new RegExp(id) });
  assert.match(await row.textContent(), /Critical/);
  assert.equal(await row.getByRole('cell', { name: 'New', exact: true }).count(), 1, 'marked as new');
  assert.match(await lead.locator('.summary-list').first().textContent(), /Unread\s*1/, 'one unread');
  await checkAccessibility(lead, 'inbox');
  await atPhoneWidth(lead, 'inbox');

  check('the security lead opens the advisory and is asked to acknowledge it');
  await inboxLink.click();
  await lead.waitForURL((url) => url.pathname === `${PLUGIN}/advisory` && url.searchParams.get('id') === id);
  await lead.getByRole('heading', { level: 1, name: `${id}: ${TITLE}` }).waitFor();
  await lead.getByText(/Your security lead must acknowledge this by/).waitFor();
  await lead.getByText(SUMMARY).waitFor();
  const confirm = lead.getByRole('checkbox', { name: /^I have read this advisory and will lead our response/ });
  await confirm.waitFor();
  assert.equal(await lead.getByRole('button', { name: 'Send response' }).count(), 0, 'no response form before acknowledging');
  await checkAccessibility(lead, 'advisory before acknowledging');
  await lead.screenshot({ path: join(artifacts, 'broadcasts-advisory.png'), fullPage: true });
  await atPhoneWidth(lead, 'advisory');

  check('the security lead acknowledges it: the response form appears and the timeline says so');
  await confirm.check();
  await lead.getByRole('button', { name: 'Acknowledge', exact: true }).click();
  await lead.getByRole('status').filter({ hasText: `${id} acknowledged. Now tell the CERT whether it applies.` }).waitFor();
  await lead.getByRole('heading', { level: 2, name: 'Respond' }).waitFor();
  assert.equal(await lead.getByRole('checkbox', { name: /^I have read this advisory/ }).count(), 0, 'acknowledged once');
  const timeline = lead.locator('ol.timeline').last();
  await timeline.getByText(`Acknowledged by ${LEAD_NAME}`).waitFor();
  await checkAccessibility(lead, 'advisory after acknowledging');

  check('a response that applies without a plan or date is refused with a linked error summary');
  const respond = lead.locator('section.plugin-form').filter({ has: lead.getByRole('heading', { name: 'Respond' }) });
  await respond.getByRole('radio', { name: /^Yes/ }).check();
  await respond.getByRole('textbox', { name: /^Actions taken so far/ }).fill(ACTIONS);
  await respond.getByRole('button', { name: 'Send response', exact: true }).click();
  const summary = lead.getByRole('alert').filter({ hasText: 'There is a problem' });
  await summary.waitFor();
  assert.match(await lead.title(), /^Error: /, 'the title says there is an error');
  // As GOV.UK does, focus starts on the summary (an `autofocus` attribute: no script needed).
  const focused = await lead.evaluate(() => document.activeElement?.classList.contains('error-summary'));
  assert.equal(focused, true, 'focus moves to the error summary when the page loads');
  const planField = lead.getByRole('textbox', { name: /^Remediation plan/ });
  const dateField = lead.getByLabel(/^Remediation due/);
  const planLink = summary.getByRole('link', { name: 'It applies, so say how you will fix it.', exact: true });
  const dateLink = summary.getByRole('link', { name: 'It applies, so give the date the plan will be done.', exact: true });
  assert.equal(await planLink.getAttribute('href'), `#${await planField.getAttribute('id')}`, 'the summary links to the plan');
  assert.equal(await dateLink.getAttribute('href'), `#${await dateField.getAttribute('id')}`, 'the summary links to the date');
  assert.equal(await planField.getAttribute('aria-invalid'), 'true');
  assert.equal(await dateField.getAttribute('aria-invalid'), 'true');
  assert.equal(await lead.getByRole('radio', { name: /^Yes/ }).isChecked(), true, 'the answer is kept');
  assert.equal(await lead.getByRole('textbox', { name: /^Actions taken so far/ }).inputValue(), ACTIONS, 'the actions are kept');
  await checkAccessibility(lead, 'advisory with an incomplete response');
  await lead.screenshot({ path: join(artifacts, 'broadcasts-response-error.png'), fullPage: true });
  await planLink.click();
  await lead.waitForFunction(() => document.activeElement?.getAttribute('aria-invalid') === 'true');
  assert.equal(await planField.evaluate((el) => el === document.activeElement), true, 'the link moves focus to the plan');

  check('the complete response is sent, and the timeline shows the acknowledgement and the response');
  await planField.fill(PLAN);
  await dateField.fill(PLAN_DATE);
  await lead.getByRole('button', { name: 'Send response', exact: true }).click();
  await lead.getByRole('status').filter({ hasText: 'Response sent to the CERT.' }).waitFor();
  assert.equal(await lead.getByRole('alert').count(), 0, 'the error is gone');
  assert.equal(await lead.getByRole('button', { name: 'Send response' }).count(), 0, 'answered once');
  const entries = lead.locator('ol.timeline').last();
  await entries.getByText(`Acknowledged by ${LEAD_NAME}`).waitFor();
  await entries.getByText(`Response from ${LEAD_NAME}`).waitFor();
  const response = entries.locator('li').filter({ hasText: `Response from ${LEAD_NAME}` });
  assert.match(await response.textContent(), /Applies\./);
  assert.ok((await response.textContent()).includes(PLAN) && (await response.textContent()).includes(PLAN_DATE),
    `the plan and its date are on the timeline: ${await response.textContent()}`);
  await checkAccessibility(lead, 'advisory after responding');
  await lead.screenshot({ path: join(artifacts, 'broadcasts-responded.png'), fullPage: true });
  await atPhoneWidth(lead, 'advisory responded');

  check('back in the inbox the banner has gone and the advisory is read');
  await lead.goto(base + `${PLUGIN}/inbox`);
  await inboxLink.waitFor();
  assert.equal(await lead.locator('.notice.tone-danger').count(), 0, 'nothing left to acknowledge');
  assert.equal(await lead.getByRole('row', { name: new RegExp(id) }).getByRole('cell', { name: 'New', exact: true }).count(), 0, 'read');
  await checkAccessibility(lead, 'inbox after responding');

  check("the CERT's dashboard shows Leeds as responded");
  const leedsRow = responses.getByRole('row', { name: new RegExp(ORGANISATION) });
  const responded = leedsRow.getByRole('cell', { name: 'Responded', exact: true });
  await reloadUntil(cert, responded, `${ORGANISATION} responded on the CERT's dashboard`);
  assert.equal(await leedsRow.getByRole('cell', { name: 'Yes', exact: true }).count(), 1, 'it applies');
  assert.equal(await leedsRow.getByRole('cell', { name: PLAN_DATE, exact: true }).count(), 1, 'with the plan date');
  await cert.screenshot({ path: join(artifacts, 'broadcasts-dashboard.png'), fullPage: true });

  if (problems.length) throw new Error(`the pages reported errors:\n${problems.join('\n')}`);
  if (accessibilityProblems.length) throw new Error(`accessibility violations:\n${accessibilityProblems.join('\n')}`);
  console.log('broadcasts browser test passed');
} catch (error) {
  console.error(`failed at step: ${step}`);
  console.error(error);
  if (problems.length) console.error(problems.join('\n'));
  if (accessibilityProblems.length) console.error(accessibilityProblems.join('\n'));
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    const last = pages[pages.length - 1];
    if (last) await last.screenshot({ path: join(artifacts, 'broadcasts-failure.png'), fullPage: true });
  } catch {}
  process.exitCode = 1;
} finally {
  await browser.close();
}
