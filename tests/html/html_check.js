// SPDX-License-Identifier: Apache-2.0
// The HTML ladder (issue 15) in a real browser: headless Chromium opens the
// pages that `keyway demo --html` and `keyway offer|answer --html` write, and
// checks the DOM:
//  1. demo (--loss 0.2 --seed 4, 1 s of media): every stage has a section;
//     one arrow per datagram (those in the --pcap capture, which never sees
//     a lost one, plus the lost ones the demo counts); each lost datagram is
//     marked; a lost DTLS flight is followed by its retransmission, marked;
//     clicking the ClientHello arrow shows its explain view (the bytes of
//     `keyway explain`), an SRTP arrow shows its decrypted packet; the page
//     asks the network for nothing. A screenshot goes to WORK/ladder.png.
//  2. offer <-> answer with the answer's a=fingerprint altered on the way:
//     the offerer's page marks the failure in the fingerprint check stage.
// Usage: node html_check.js KEYWAY WORK (inside `unshare -n`, only lo up).
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync, spawn } = require('child_process');
const { chromium } = require('playwright-core');

const keyway = process.argv[2];
const work = process.argv[3];
const STAGES = ['SDP', 'ICE', 'DTLS', 'fingerprint check', 'exporter', 'SRTP', 'SRTCP'];
let failures = 0;

function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

// Runs the demo; returns the page path, the datagrams in the capture and the lost count.
function runDemo() {
  const html = path.join(work, 'demo.html'), pcap = path.join(work, 'demo.pcap');
  const out = execFileSync(keyway, ['demo', '--seconds', '1', '--loss', '0.2', '--seed', '4', '--quiet',
                                    '--pcap', pcap, '--html', html], { timeout: 60000 }).toString();
  const lost = Number((out.match(/datagrams lost on purpose: (\d+)/) || [])[1]);
  const head = execFileSync(keyway, ['explain', pcap], { timeout: 60000, maxBuffer: 1 << 28 }).toString().split('\n')[0];
  const captured = Number((head.match(/(\d+) UDP datagram/) || [])[1]);
  return { html, lost, captured };
}

// Reads lines from a child's stdout until an empty line (an SDP block).
function readSdp(child) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d) => {
      buf += d.toString();
      const end = buf.search(/\r?\n\r?\n/);
      if (end >= 0) {
        child.stdout.off('data', onData);
        resolve(buf.slice(0, end) + '\r\n');
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', () => reject(new Error('exited before its SDP: ' + buf)));
  });
}

function exited(child) {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

// offer <-> answer, the answer's fingerprint altered: the DTLS server (the
// offerer, as the answerer takes setup:active) must refuse the certificate.
async function runFingerprintMismatch() {
  const offerHtml = path.join(work, 'offer-mismatch.html'), answerHtml = path.join(work, 'answer-mismatch.html');
  const offer = spawn(keyway, ['offer', '--seconds', '4', '--html', offerHtml]);
  const answer = spawn(keyway, ['answer', '--seconds', '4', '--html', answerHtml]);
  for (const c of [offer, answer]) c.stderr.on('data', (d) => process.stdout.write('  [stderr] ' + d));
  const offerSdp = await readSdp(offer);
  answer.stdin.write(offerSdp + '\r\n');
  const answerSdp = await readSdp(answer);
  // Change the first byte of the fingerprint: the certificate is the same, its announced hash is not.
  const altered = answerSdp.replace(/a=fingerprint:sha-256 ([0-9A-F]{2})/, (m, b) =>
    'a=fingerprint:sha-256 ' + (b === '00' ? '01' : '00'));
  check(altered !== answerSdp, 'the answer carried a sha-256 fingerprint to alter');
  offer.stdin.write(altered + '\r\n');
  offer.stdin.end();
  answer.stdin.end();
  await Promise.all([exited(offer), exited(answer)]);
  return offerHtml;
}

async function demoChecks(page, demo) {
  await page.goto('file://' + demo.html);
  for (const s of STAGES) {
    const n = await page.locator(`section.stage[data-stage="${s}"]`).count();
    check(n > 0, `stage "${s}" has a section (${n})`);
  }
  const arrows = await page.locator('.row.dgram').count();
  check(demo.captured > 0 && demo.lost > 0, `the demo lost datagrams on purpose (${demo.lost}) and captured ${demo.captured}`);
  check(arrows === demo.captured + demo.lost, `one arrow per datagram: ${arrows} = ${demo.captured} captured + ${demo.lost} lost`);
  const lostRows = page.locator('.row.dgram.lost');
  check(await lostRows.count() === demo.lost, `every lost datagram is marked (${await lostRows.count()})`);
  const mark = lostRows.first().locator('.mark.lost');
  await lostRows.first().scrollIntoViewIfNeeded();
  check(await mark.isVisible() && (await mark.textContent()) === 'LOST', 'a lost arrow shows LOST');
  const lostDtls = await page.locator('.row.dgram.lost[data-stage="DTLS"]').count();
  const retrans = await page.locator('.row.dgram.retransmission[data-stage="DTLS"]').count();
  check(lostDtls === 0 || retrans > 0, `a lost DTLS flight is followed by a marked retransmission (lost ${lostDtls}, retransmitted ${retrans})`);

  const hello = page.locator('.row.dgram[data-stage="DTLS"]', { hasText: 'ClientHello' }).first();
  const id = await hello.getAttribute('data-i');
  const view = page.locator('#x' + id);
  check(!(await view.isVisible()), 'an explain view is closed before its arrow is clicked');
  await hello.click();
  check(await view.isVisible(), 'clicking the ClientHello arrow opens its explain view');
  const text = await view.textContent();
  check(/ClientHello/.test(text) && /RFC 6347 §4\.1/.test(text) && /use_srtp/.test(text) && /dtls::parse_client_hello/.test(text),
        'the view is keyway explain\'s: fields, RFC sections, use_srtp, the parsing function');
  const media = page.locator('.row.dgram[data-stage="SRTP"]').first();
  await media.click();
  const mediaText = await page.locator('#x' + await media.getAttribute('data-i')).textContent();
  check(/decrypted SRTP packet/.test(mediaText), 'an SRTP arrow shows the packet decrypted with the call\'s keys');
  await page.setViewportSize({ width: 1400, height: 1000 });
  await hello.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(work, 'ladder.png') });
  await page.screenshot({ path: path.join(work, 'ladder-full.png'), fullPage: true });
  check(fs.statSync(path.join(work, 'ladder.png')).size > 10000, 'screenshot written: ' + path.join(work, 'ladder.png'));
}

async function mismatchChecks(page, html) {
  await page.goto('file://' + html);
  const failed = page.locator('.row.failure');
  check(await failed.count() > 0, `the offerer's page marks a failure (${await failed.count()})`);
  const inStage = page.locator('section.stage[data-stage="fingerprint check"] .row.failure');
  check(await inStage.count() > 0, 'the failure is in the fingerprint check stage');
  if (await inStage.count() > 0) {
    await inStage.first().scrollIntoViewIfNeeded();
    console.log('     ' + (await inStage.first().textContent()));
    check(await inStage.first().locator('.mark.failure').isVisible(), 'the failure shows FAILED');
  }
  await page.screenshot({ path: path.join(work, 'ladder-mismatch.png'), fullPage: true });
}

async function main() {
  const demo = runDemo();
  const mismatch = await runFingerprintMismatch();
  const ctx = await chromium.launchPersistentContext(fs.mkdtempSync('/tmp/keyway-html-profile-'), {
    executablePath: process.env.KEYWAY_CHROMIUM || '/usr/bin/chromium', headless: true, timeout: 60000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'] });
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    const fetched = [];
    page.on('request', (r) => { if (!r.url().startsWith('file://')) fetched.push(r.url()); });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await demoChecks(page, demo);
    await mismatchChecks(page, mismatch);
    check(fetched.length === 0, `the pages fetched nothing (${fetched.join(' ') || 'no request'})`);
    check(errors.length === 0, `no script error (${errors.join('; ') || 'none'})`);
  } finally {
    await ctx.close();
  }
  console.log(failures === 0 ? 'html ladder: all checks passed' : `html ladder: ${failures} check(s) FAILED`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((e) => { console.log('FAIL ' + (e.stack || e)); process.exit(1); });
