// End-to-end: a learner takes a two-part SCORM 2004 course in the player. A real SCO (served from the
// content origin) finds API_1484_11 by the standard walk up its parent windows, initialises, writes its
// position and state without committing, and the tab is closed mid-session. Relaunching resumes with
// cmi.entry = resume and the saved location and suspend_data; finishing part one moves the player on to
// part two, and the dashboard shows the progress. Run by engine/server/tests/it/browser.rs against a
// server seeded by the CLI (RAMPART_URL, LEARNER_EMAIL). Debian's chromium only.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { accessibilityChecker, launchChromium } from './support.mjs';

const base = process.env.RAMPART_URL ?? 'http://127.0.0.1:3000';
const artifacts = process.env.ARTIFACTS_DIR ?? 'target/e2e';
const email = process.env.LEARNER_EMAIL ?? 'lena@leeds.example';
const PASSWORD = 'correct horse battery staple';
mkdirSync(artifacts, { recursive: true });

const browser = await launchChromium();
const { check: checkAccessibility, problems: accessibilityProblems } = accessibilityChecker();

let step = 'start';
const problems = [];
function check(name) { step = name; console.log(`[step] ${name}`); }
function watch(page) {
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
}

// The SCO's frame inside the launcher's frame inside the player page.
const sco = (page) => page.frameLocator('#player-frame').frameLocator('#sco');
async function scoText(page, id) {
  return (await sco(page).locator(`#${id}`).textContent({ timeout: 15000 })) ?? '';
}
async function waitForSco(page, id, expected) {
  await sco(page).locator(`#${id}`).filter({ hasText: expected }).waitFor({ timeout: 20000 });
}

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  let page = await context.newPage();
  watch(page);

  check('the learner signs in and sees the course on their dashboard');
  await page.goto(base + '/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/dashboard');
  const start = page.getByRole('link', { name: /^Start Cyber basics/ });
  await start.waitFor();

  check('the player opens part one and the SCO finds the 2004 API on the engine side');
  await start.click();
  await page.waitForURL('**/learn/**');
  await waitForSco(page, 'api', 'found');
  assert.equal(await scoText(page, 'entry'), 'ab-initio');
  assert.equal(await scoText(page, 'learner'), 'Lena Learner');
  assert.equal(await scoText(page, 'location'), '', 'nothing saved yet');
  const scoUrl = await page.frameLocator('#player-frame').locator('#sco').getAttribute('src');
  assert.ok(scoUrl.startsWith('http://localhost:'), `the SCO comes from the content origin: ${scoUrl}`);
  assert.equal(await page.locator('#player-activity').textContent(), 'Part one: why it matters');
  await checkAccessibility(page, 'player');
  await page.screenshot({ path: join(artifacts, 'player.png'), fullPage: true });

  check('the learner moves on twice inside the SCO (SetValue only, no Commit)');
  await sco(page).getByRole('button', { name: 'Next page' }).click();
  await waitForSco(page, 'location', 'page-2');
  await sco(page).getByRole('button', { name: 'Next page' }).click();
  await waitForSco(page, 'location', 'page-3');

  check('the tab is closed mid-session');
  await page.close({ runBeforeUnload: true });
  // The beacon is fire-and-forget: give it a moment to land before the next launch reads the attempt.
  await new Promise((resolve) => setTimeout(resolve, 1500));

  check('relaunching resumes where the learner was');
  page = await context.newPage();
  watch(page);
  await page.goto(base + '/dashboard');
  const resume = page.getByRole('link', { name: /^Resume Cyber basics/ });
  await resume.waitFor();
  await resume.click();
  await waitForSco(page, 'api', 'found');
  assert.equal(await scoText(page, 'entry'), 'resume', 'cmi.entry is resume after a closed tab');
  assert.equal(await scoText(page, 'location'), 'page-3', 'the saved location comes back');
  assert.deepEqual(JSON.parse(await scoText(page, 'suspend')), { page: 3, answers: 'b,c' }, 'suspend_data comes back');

  check('finishing part one continues to part two');
  await sco(page).getByRole('button', { name: 'Finish this part' }).click();
  await page.locator('#player-activity').filter({ hasText: 'Part two: phishing' }).waitFor({ timeout: 20000 });
  await waitForSco(page, 'api', 'found');
  assert.equal(await scoText(page, 'entry'), 'ab-initio', 'part two starts fresh');
  const partOne = page.locator('#player-toc li[data-item="PART1"] .toc-status');
  assert.match((await partOne.textContent()) ?? '', /completed|passed/i, 'the contents show part one done');
  assert.equal(await page.locator('#player-previous').getAttribute('href') !== null, true, 'Previous leads back');

  check('a phone-sized screen keeps the course usable');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator('#player-frame').scrollIntoViewIfNeeded();
  const frameBox = await page.locator('#player-frame').boundingBox();
  assert.ok(frameBox && frameBox.width >= 340, `the content frame fills a phone's width (${frameBox?.width}px)`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no sideways scrolling on a phone (${overflow}px too wide)`);
  await page.screenshot({ path: join(artifacts, 'player-phone.png'), fullPage: true });

  check('the dashboard shows the course in progress');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(base + '/dashboard');
  await page.getByRole('link', { name: /^Resume Cyber basics/ }).waitFor();

  if (problems.length) throw new Error(`the pages reported errors:\n${problems.join('\n')}`);
  if (accessibilityProblems.length) {
    throw new Error(`accessibility violations:\n${accessibilityProblems.join('\n')}`);
  }
  console.log('player browser test passed');
} catch (error) {
  console.error(`failed at step: ${step}`);
  console.error(error);
  if (problems.length) console.error(problems.join('\n'));
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages[0]) await pages[0].screenshot({ path: join(artifacts, 'player-failure.png'), fullPage: true });
  } catch {}
  process.exitCode = 1;
} finally {
  await browser.close();
}
