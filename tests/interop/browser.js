// SPDX-License-Identifier: Apache-2.0
// Headless Chromium against `keyway answer` / `keyway offer` (issue 6, "Real
// peers, in the test suite"). Run by browser.sh inside `unshare -n` so only
// the loopback interface exists.
//
//   node browser.js KEYWAY answer-passive|answer-active|offer|answer-relay|answer-relay-tcp
//
// answer-*: the browser offers audio+video from its fake devices, keyway
//   answers with --setup passive|active and echoes every stream back; the
//   browser's getStats() must show DTLS connected with an SRTP cipher and
//   >= 50 packets on each inbound stream (audio and video); keyway's JSON must
//   show rtcp_received > 0 and auth_failures == 0.
// offer: keyway offers audio+video, the browser answers; the browser's
//   inbound audio must reach >= 50 packets.
// answer-relay (issue 14): as answer-passive, but both sides relay through a
//   coturn started here inside the same loopback-only namespace: the browser
//   with iceTransportPolicy 'relay', keyway with --relay-only --turn. The
//   relay listens on 127.0.0.1 and relays from 127.0.0.2, so a host path
//   cannot pass for a relayed one; the browser's selected pair must be
//   relay <-> relay (getStats candidateType) and keyway's JSON must show
//   ice.local_candidate_type relay and TURN channels in use.
// answer-relay-tcp: the same with both sides reaching coturn over TCP
//   (turn:...?transport=tcp; keyway's stream framer, the browser's relayProtocol tcp).
// Prints one summary line per check and exits 0 on success, 1 on failure.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { chromium } = require(path.join(__dirname, 'node', 'node_modules', 'playwright-core'));

const [keyway, mode] = process.argv.slice(2);
const MIN_PACKETS = 50;
const CALL_SECONDS = 8;        // keyway's --seconds
const HARD_TIMEOUT_MS = 80000; // whole test (browser start-up alone can take 15 s on a loaded machine)

let child = null;
let coturn = null;
let browserCtx = null;
let profileDir = null;
const t0 = Date.now();
const ms = () => `${Date.now() - t0} ms`;

function cleanup() {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (coturn && coturn.exitCode === null) coturn.kill('SIGKILL');
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
}

function fail(msg) {
  console.log(`FAIL ${mode}: ${msg}`);
  cleanup();
  process.exit(1);
}

setTimeout(() => fail(`hard timeout after ${HARD_TIMEOUT_MS} ms`), HARD_TIMEOUT_MS).unref();

// Spawns keyway; resolves readSdp() with the SDP it prints (up to the empty line)
// and done() with { code, json } when it exits.
// Issue 18: keyway's default offers DTLS 1.3 and 1.2, so with Chromium (which
// offers both) the browser must show 1.3 negotiated: getStats() tlsVersion FEFC.
// KEYWAY_BROWSER_DTLS=1.2: keyway runs with --dtls 1.2 and the browser must
// fall back to 1.2 (tlsVersion FEFD).
const PIN12 = process.env.KEYWAY_BROWSER_DTLS === '1.2';
const WANT_TLS_VERSION = PIN12 ? 'FEFD' : 'FEFC';

function startKeyway(args) {
  if (PIN12) args = args.concat(['--dtls', '1.2']);
  child = spawn(keyway, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let sdpResolve;
  const sdp = new Promise((r) => { sdpResolve = r; });
  child.stdout.on('data', (d) => {
    out += d.toString();
    const m = out.match(/^([\s\S]*?\r?\n)\r?\n/);
    if (m && sdpResolve) { sdpResolve(m[1]); sdpResolve = null; }
  });
  child.stderr.on('data', (d) => { err += d.toString(); });
  const done = new Promise((resolve) => {
    child.on('exit', (code) => {
      const lines = out.trim().split('\n');
      let json = null;
      try { json = JSON.parse(lines[lines.length - 1]); } catch (e) { /* reported below */ }
      resolve({ code, json, out, err });
    });
  });
  child.on('error', (e) => fail(`cannot run ${keyway}: ${e.message}`));
  // The SDP keyway prints, or a failure when it exits without printing one.
  const sdpOrExit = (what) => Promise.race([sdp, done.then((r) => {
    if (!sdpResolve) return sdp;
    return fail(`keyway exited ${r.code} before ${what}: ${r.err}`);
  })]);
  return { sdpOrExit, done, write: (s) => child.stdin.write(s) };
}

// Runs in the page: the RTCPeerConnection and its helpers.
async function pageSetup(page, rtcConfig) {
  await page.evaluate(async (config) => {
    window.pc = new RTCPeerConnection(config);
    window.media = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    window.waitGather = () => new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') resolve();
      });
    });
    window.summary = async () => {
      const s = { transport: null, pair: null, inbound: {}, outbound: {} };
      const report = await pc.getStats();
      report.forEach((r) => {
        if (r.type === 'transport') s.transport = { dtlsState: r.dtlsState, dtlsRole: r.dtlsRole, tlsVersion: r.tlsVersion,
          dtlsCipher: r.dtlsCipher, srtpCipher: r.srtpCipher, selectedCandidatePairId: r.selectedCandidatePairId };
        if (r.type === 'inbound-rtp') s.inbound[r.kind] = { packetsReceived: r.packetsReceived, packetsLost: r.packetsLost,
          ssrc: r.ssrc, framesDecoded: r.framesDecoded };
        if (r.type === 'outbound-rtp') s.outbound[r.kind] = { packetsSent: r.packetsSent };
      });
      if (s.transport) {
        const p = report.get(s.transport.selectedCandidatePairId);
        if (p) {
          const l = report.get(p.localCandidateId), rm = report.get(p.remoteCandidateId);
          s.pair = `${l && l.address}:${l && l.port} <-> ${rm && rm.address}:${rm && rm.port} rtt ${p.currentRoundTripTime}`;
          s.pairTypes = { local: l && l.candidateType, remote: rm && rm.candidateType,
            localRelayProtocol: l && l.relayProtocol };
        }
      }
      s.connectionState = pc.connectionState;
      return s;
    };
  }, rtcConfig);
}

// Polls the browser's stats until want(s) holds or keyway exits.
async function pollStats(page, want, keywayDone) {
  let exited = false;
  keywayDone.then(() => { exited = true; });
  let s = null;
  for (;;) {
    s = await page.evaluate(() => summary());
    if (want(s) || exited) return s;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const packets = (s, kind) => (s.inbound[kind] ? s.inbound[kind].packetsReceived || 0 : 0);
const connected = (s) => s.transport && s.transport.dtlsState === 'connected' && !!s.transport.srtpCipher;

// coturn (Debian's /usr/bin/turnserver) inside this namespace: long-term
// credentials, listening on 127.0.0.1, relaying from 127.0.0.2, loopback peers
// allowed (it refuses 127.x peers otherwise), no CLI/TLS/DTLS. Resolves with its
// turn: URI once it answers a STUN Binding request; killed by its PID at the end.
async function startCoturn(transport) {
  const dgram = require('dgram');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyway-browser-coturn-'));
  const port = 3478;  // the namespace is private: the well-known port is free
  coturn = spawn('/usr/bin/turnserver', ['-n', '--no-cli', '--no-tls', '--no-dtls', '--listening-ip', '127.0.0.1',
    '--relay-ip', '127.0.0.2', '--listening-port', String(port), '--allow-loopback-peers', '--lt-cred-mech',
    '--user', 'alice:s3cret', '--realm', 'keyway.test', '--userdb', path.join(dir, 'turndb'),
    '--pidfile', path.join(dir, 'pid'), '--log-file', path.join(dir, 'turn.log'), '--simple-log', '--no-stdout-log',
    '--no-rfc5780', '--no-software-attribute', '--min-port', '50000', '--max-port', '50200'], { stdio: 'ignore' });
  coturn.on('error', (e) => fail(`cannot run turnserver: ${e.message}`));
  const probe = dgram.createSocket('udp4');
  const binding = Buffer.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, ...new Array(12).fill(7)]);
  const up = await new Promise((resolve) => {
    let tries = 0;
    const timer = setInterval(() => {
      if (++tries > 100) { clearInterval(timer); resolve(false); }
      probe.send(binding, port, '127.0.0.1');
    }, 50);
    probe.on('message', () => { clearInterval(timer); resolve(true); });
  });
  probe.close();
  if (!up) fail('coturn did not answer a Binding request within 5 s');
  return { uri: `turn:127.0.0.1:${port}?transport=${transport}`, user: 'alice', pass: 's3cret', transport };
}

async function browserOffers(page, setup, turn) {
  const relayArgs = turn ? ['--turn', turn.uri, '--turn-user', turn.user, '--turn-pass', turn.pass, '--relay-only'] : [];
  const kw = startKeyway(['answer', '--setup', setup, '--seconds', String(CALL_SECONDS), ...relayArgs]);
  const offer = await page.evaluate(async () => {
    media.getTracks().forEach((t) => pc.addTrack(t, media));
    await pc.setLocalDescription(await pc.createOffer());
    await waitGather();
    return pc.localDescription.sdp;
  });
  console.log(`# offer gathered at ${ms()}`);
  kw.write(offer.replace(/\r?\n$/, '') + '\r\n\r\n');
  const answer = await kw.sdpOrExit('answering');
  console.log(`# keyway answer:\n${answer.trim().split(/\r?\n/).map((l) => '#   ' + l).join('\n')}`);
  const tAnswer = Date.now();
  await page.evaluate((sdp) => pc.setRemoteDescription({ type: 'answer', sdp }), answer);
  let tConnected = null;
  const s = await pollStats(page, (x) => {
    if (!tConnected && connected(x)) tConnected = Date.now();
    return connected(x) && packets(x, 'audio') >= MIN_PACKETS && packets(x, 'video') >= MIN_PACKETS;
  }, kw.done);
  console.log(`# browser stats at ${ms()}: ${JSON.stringify(s)}`);
  const r = await kw.done;
  const end = await page.evaluate(() => summary());  // final counts, for the figures
  console.log(`# keyway exit ${r.code}: ${r.json ? JSON.stringify(r.json) : r.out}`);
  if (r.err) console.log(`# keyway stderr: ${r.err.trim()}`);
  const problems = [];
  if (!connected(s)) problems.push(`browser DTLS transport not connected with an SRTP cipher (${JSON.stringify(s.transport)})`);
  if (!(s.transport && s.transport.tlsVersion === WANT_TLS_VERSION))
    problems.push(`the browser shows tlsVersion ${s.transport && s.transport.tlsVersion}, not ${WANT_TLS_VERSION}`);
  for (const kind of ['audio', 'video'])
    if (packets(s, kind) < MIN_PACKETS) problems.push(`browser inbound ${kind} got ${packets(s, kind)} packets (< ${MIN_PACKETS})`);
  if (r.code !== 0) problems.push(`keyway answer exited ${r.code}`);
  const srtp = r.json && r.json.srtp;
  if (!srtp) problems.push('no keyway JSON stats');
  else {
    if (!(srtp.rtcp_received > 0)) problems.push(`keyway rtcp_received = ${srtp.rtcp_received}`);
    if (srtp.auth_failures !== 0) problems.push(`keyway auth_failures = ${srtp.auth_failures}`);
  }
  if (turn) {  // issue 14: the browser's selected pair and keyway's are relayed
    const types = s.pairTypes || {};
    if (types.local !== 'relay' || types.remote !== 'relay')
      problems.push(`browser selected pair is ${types.local} <-> ${types.remote}, not relay <-> relay`);
    if (!/ typ relay/.test(offer) || / typ host/.test(offer)) problems.push('the browser offer is not relay-only');
    if (!/ typ relay/.test(answer) || / typ host/.test(answer)) problems.push('the keyway answer is not relay-only');
    const ice = r.json && r.json.ice, t = r.json && r.json.turn;
    if (!ice || ice.local_candidate_type !== 'relay' || ice.remote_candidate_type !== 'relay')
      problems.push(`keyway selected pair ${JSON.stringify(ice)}`);
    if (!t || t.allocations !== 1 || !(t.relayed_bytes_sent > 0) || !(t.relayed_bytes_received > 0))
      problems.push(`keyway turn stats ${JSON.stringify(t)}`);
    if (types.localRelayProtocol !== turn.transport)
      problems.push(`browser relayProtocol ${types.localRelayProtocol}, not ${turn.transport}`);
    console.log(`figures ${mode}: browser pair ${s.pair} (${types.local} <-> ${types.remote}, relayProtocol ` +
      `${types.localRelayProtocol}); keyway ice ${JSON.stringify(ice)} turn ${JSON.stringify(t)}`);
  }
  const role = r.json && r.json.dtls ? r.json.dtls.role : '?';
  console.log(`figures ${mode}: connect ${tConnected ? tConnected - tAnswer : '-'} ms after answer; browser inbound audio ` +
    `${packets(s, 'audio')} video ${packets(s, 'video')} (at the end of the call: audio ${packets(end, 'audio')} video ${packets(end, 'video')}); browser ${s.transport && s.transport.tlsVersion} ${s.transport && s.transport.dtlsCipher} ` +
    `${s.transport && s.transport.srtpCipher} dtlsRole ${s.transport && s.transport.dtlsRole}; keyway role ${role} ` +
    `rtp_received ${srtp && srtp.rtp_received} rtcp_received ${srtp && srtp.rtcp_received} auth_failures ${srtp && srtp.auth_failures}`);
  return problems;
}

async function keywayOffers(page) {
  const kw = startKeyway(['offer', '--video', '--seconds', String(CALL_SECONDS)]);
  const offer = await kw.sdpOrExit('offering');
  const tOffer = Date.now();
  const answer = await page.evaluate(async (sdp) => {
    await pc.setRemoteDescription({ type: 'offer', sdp });
    for (const tr of pc.getTransceivers()) {
      const kind = tr.receiver.track.kind;
      const track = media.getTracks().find((t) => t.kind === kind);
      if (track) { await tr.sender.replaceTrack(track); tr.direction = 'sendrecv'; }
    }
    await pc.setLocalDescription(await pc.createAnswer());
    await waitGather();
    return pc.localDescription.sdp;
  }, offer);
  kw.write(answer.replace(/\r?\n$/, '') + '\r\n\r\n');
  let tConnected = null;
  const s = await pollStats(page, (x) => {
    if (!tConnected && connected(x)) tConnected = Date.now();
    return connected(x) && packets(x, 'audio') >= MIN_PACKETS;
  }, kw.done);
  console.log(`# browser stats at ${ms()}: ${JSON.stringify(s)}`);
  const r = await kw.done;
  const end = await page.evaluate(() => summary());  // final counts, for the figures
  console.log(`# keyway exit ${r.code}: ${r.json ? JSON.stringify(r.json) : r.out}`);
  if (r.err) console.log(`# keyway stderr: ${r.err.trim()}`);
  const problems = [];
  if (!connected(s)) problems.push(`browser DTLS transport not connected with an SRTP cipher (${JSON.stringify(s.transport)})`);
  if (!(s.transport && s.transport.tlsVersion === WANT_TLS_VERSION))
    problems.push(`the browser shows tlsVersion ${s.transport && s.transport.tlsVersion}, not ${WANT_TLS_VERSION}`);
  if (packets(s, 'audio') < MIN_PACKETS) problems.push(`browser inbound audio got ${packets(s, 'audio')} packets (< ${MIN_PACKETS})`);
  if (r.code !== 0) problems.push(`keyway offer exited ${r.code}`);
  const srtp = r.json && r.json.srtp;
  if (srtp && srtp.auth_failures !== 0) problems.push(`keyway auth_failures = ${srtp.auth_failures}`);
  console.log(`figures ${mode}: connect ${tConnected ? tConnected - tOffer : '-'} ms after offer; browser inbound audio ` +
    `${packets(s, 'audio')} video ${packets(s, 'video')} (at the end of the call: audio ${packets(end, 'audio')} video ${packets(end, 'video')}); browser ${s.transport && s.transport.tlsVersion} ${s.transport && s.transport.dtlsCipher} ` +
    `${s.transport && s.transport.srtpCipher} dtlsRole ${s.transport && s.transport.dtlsRole}; keyway rtp_received ` +
    `${srtp && srtp.rtp_received} rtcp_received ${srtp && srtp.rtcp_received} auth_failures ${srtp && srtp.auth_failures}`);
  return problems;
}

async function main() {
  if (!['answer-passive', 'answer-active', 'offer', 'answer-relay', 'answer-relay-tcp'].includes(mode))
    fail('usage: node browser.js KEYWAY answer-passive|answer-active|offer|answer-relay|answer-relay-tcp');
  const turn = mode.startsWith('answer-relay') ? await startCoturn(mode === 'answer-relay-tcp' ? 'tcp' : 'udp') : null;
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyway-chromium-profile-'));
  browserCtx = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.KEYWAY_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection'],
  });
  const page = browserCtx.pages()[0] || await browserCtx.newPage();
  // A secure context without a server: answer http://localhost from Playwright.
  await page.route('http://localhost/**', (r) => r.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html>' }));
  await page.goto('http://localhost/');
  await pageSetup(page, turn
    ? { iceServers: [{ urls: turn.uri, username: turn.user, credential: turn.pass }], iceTransportPolicy: 'relay' }
    : { iceServers: [] });
  console.log(`# browser ready at ${ms()}`);
  const problems = mode === 'offer' ? await keywayOffers(page) : await browserOffers(page, turn ? 'passive' : mode.replace('answer-', ''), turn);
  await browserCtx.close();
  cleanup();
  if (problems.length) fail(problems.join('; '));
  console.log(`PASS ${mode} (${ms()})`);
  process.exit(0);
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
