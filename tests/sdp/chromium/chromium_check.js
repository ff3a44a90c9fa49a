// SPDX-License-Identifier: Apache-2.0
// Checks keyway's SDP against a real Chromium (interop.md §5, §6):
//  1. Chromium offers audio+video, keyway answers (setup active), Chromium accepts the answer.
//  2. The same with setup passive.
//  3. Chromium offers audio + a data channel: keyway rejects the application section, Chromium accepts.
//  4. Chromium offers simulcast video (three rids): keyway declines simulcast, Chromium accepts.
//  5. keyway offers, Chromium accepts the offer and answers; keyway parses the answer strictly.
//  6. Negative control: a keyway answer with a=setup:actpass is rejected by Chromium.
// Usage: node chromium_check.js SDP_TOOL CAPTURE_DIR
// Runs inside `unshare -n` with only lo up, so nothing leaves 127.0.0.1.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { chromium } = require('playwright-core');

const tool = process.argv[2];
const captureDir = process.argv[3];

function keyway(args, input) {
  return execFileSync(tool, args, { input: input || '', timeout: 10000 }).toString();
}

async function main() {
  const profile = fs.mkdtempSync('/tmp/keyway-chromium-profile-');
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.KEYWAY_CHROMIUM || '/usr/bin/chromium', headless: true, timeout: 60000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
           '--allow-loopback-in-peer-connection'] });
  let failures = 0;
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    await page.route('http://localhost/**', r => r.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html>' }));
    await page.goto('http://localhost/');
    await page.evaluate(() => {
      window.gathered = (pc) => new Promise(res => {
        if (pc.iceGatheringState === 'complete') return res();
        pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') res(); });
        setTimeout(res, 5000);
      });
      window.makeOffer = async (kind) => {
        const pc = new RTCPeerConnection();
        window.pc = pc;
        if (kind === 'datachannel') {
          const s = await navigator.mediaDevices.getUserMedia({ audio: true });
          s.getTracks().forEach(t => pc.addTrack(t, s));
          pc.createDataChannel('chat');
        } else if (kind === 'simulcast') {
          const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
          pc.addTrack(s.getAudioTracks()[0], s);
          pc.addTransceiver(s.getVideoTracks()[0], { streams: [s], sendEncodings: [
            { rid: 'q', scaleResolutionDownBy: 4 }, { rid: 'h', scaleResolutionDownBy: 2 }, { rid: 'f' }] });
        } else {
          const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
          s.getTracks().forEach(t => pc.addTrack(t, s));
        }
        await pc.setLocalDescription(await pc.createOffer());
        await gathered(pc);
        return pc.localDescription.sdp;
      };
      window.acceptAnswer = async (sdp) => {
        try { await window.pc.setRemoteDescription({ type: 'answer', sdp }); return 'ok ' + window.pc.signalingState; }
        catch (e) { return 'ERR ' + e.message; }
      };
      window.answerOffer = async (sdp) => {
        const pc = new RTCPeerConnection();
        window.pc2 = pc;
        try {
          await pc.setRemoteDescription({ type: 'offer', sdp });
          const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
          s.getTracks().forEach(t => pc.addTrack(t, s));
          await pc.setLocalDescription(await pc.createAnswer());
          await gathered(pc);
          return 'ok ' + pc.localDescription.sdp;
        } catch (e) { return 'ERR ' + e.message; }
      };
    });

    const check = (name, ok, detail) => {
      console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ': ' + detail : ''}`);
      if (!ok) failures++;
    };
    const capture = (name, sdp) => { if (captureDir) fs.writeFileSync(path.join(captureDir, name), sdp); };

    for (const [kind, mode] of [['av', 'active'], ['av', 'passive'], ['datachannel', 'active'], ['simulcast', 'active']]) {
      const offer = await page.evaluate(k => window.makeOffer(k), kind);
      capture(`chromium-offer-${kind}.sdp`, offer);
      const strict = (() => { try { keyway(['check'], offer); return true; } catch (e) { return e.stderr.toString(); } })();
      check(`keyway parses Chromium's ${kind} offer strictly`, strict === true, strict === true ? '' : strict);
      const answer = keyway(mode === 'passive' ? ['answer', 'passive'] : ['answer'], offer);
      capture(`keyway-answer-${kind}-${mode}.sdp`, answer);
      const r = await page.evaluate(a => window.acceptAnswer(a), answer);
      check(`Chromium accepts keyway's answer to its ${kind} offer (setup ${mode})`, r.startsWith('ok'), r);
    }

    // Negative control: Chromium must refuse an answer that says actpass (interop.md §6).
    const offer = await page.evaluate(() => window.makeOffer('av'));
    const bad = keyway(['answer'], offer).replace('a=setup:active', 'a=setup:actpass');
    const r = await page.evaluate(a => window.acceptAnswer(a), bad);
    check('Chromium rejects an answer with a=setup:actpass (negative control)', r.startsWith('ERR'), r);

    const kwOffer = keyway(['offer']);
    const res = await page.evaluate(o => window.answerOffer(o), kwOffer);
    check("Chromium accepts keyway's offer and answers it", res.startsWith('ok'), res.startsWith('ok') ? '' : res);
    if (res.startsWith('ok')) {
      const chromeAnswer = res.slice(3);
      capture('chromium-answer-to-keyway.sdp', chromeAnswer);
      let out = '';
      try { out = keyway(['check'], chromeAnswer); check("keyway parses Chromium's answer strictly", true); }
      catch (e) { check("keyway parses Chromium's answer strictly", false, e.stderr.toString()); }
      check("Chromium's answer takes the DTLS role keyway's actpass offered", /a=setup:(active|passive)/.test(chromeAnswer), out);
    }
  } finally {
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(failures === 0 ? 'all checks passed' : `${failures} check(s) failed`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch(e => { console.error(e); process.exit(1); });
setTimeout(() => { console.error('timeout'); process.exit(1); }, 120000).unref();
