// The Nabla playground's page: asks the engine (this page's own server) for a training session, then for a few
// epochs at a time, and draws what comes back. No libraries, no network beyond 127.0.0.1.
"use strict";
const $ = id => document.getElementById(id);
// what a test (or a curious student) can read: the epochs so far, the losses, a hash of the regions picture
window.nablaState = { running: false, epoch: 0, losses: [], regionsHash: 0, error: "" };
let session = null, info = null, timer = null;

function query() {
  const f = ["dataset", "hidden", "activation", "optimizer", "lr", "batch"];
  return f.map(k => k + "=" + encodeURIComponent($(k).value)).join("&");
}

async function api(path) {
  const r = await fetch(path, { cache: "no-store" });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
  return body;
}

function showError(msg) {
  $("error").textContent = msg;
  window.nablaState.error = msg;
}

async function start() {
  stop();
  showError("");
  window.nablaState.losses = [];
  window.nablaState.epoch = 0;
  try {
    info = await api("/api/start?" + query());
  } catch (e) {
    showError(e.message);
    return;
  }
  session = info.session;
  drawRegions(null);
  drawNetwork(null);
  window.nablaState.running = true;
  tick();
}

function stop() {
  window.nablaState.running = false;
  if (timer) clearTimeout(timer);
  timer = null;
}

async function tick() {
  if (!window.nablaState.running) return;
  let s;
  try {
    s = await api("/api/step?session=" + session + "&epochs=5");
  } catch (e) {
    showError(e.message);
    stop();
    return;
  }
  window.nablaState.epoch = s.epoch;
  window.nablaState.losses.push(s.loss);
  $("status").textContent = "epoch " + s.epoch + "  loss " + s.loss.toFixed(4) + "  accuracy " + (100 * s.accuracy).toFixed(1) + "%";
  drawRegions(s.p1);
  drawLoss();
  drawNetwork(s.weights);
  if (s.epoch >= 500) stop();
  else timer = setTimeout(tick, 30);
}

// colours: class 0 orange, class 1 blue
function mix(p) {
  const a = [245, 166, 35], b = [74, 144, 226];
  return a.map((v, i) => Math.round(v + (b[i] - v) * p));
}

function drawRegions(p1) {
  const c = $("regions"), g = c.getContext("2d"), n = info.grid, w = c.width / n;
  g.clearRect(0, 0, c.width, c.height);
  let hash = 0;
  if (p1) {
    for (let r = 0; r < n; r++)
      for (let k = 0; k < n; k++) {
        const p = p1[r * n + k], rgb = mix(p).map(v => Math.round(255 + (v - 255) * 0.55));   // light: the points stay visible
        g.fillStyle = "rgb(" + rgb + ")";
        g.fillRect(k * w, r * w, w + 1, w + 1);
        hash = (hash * 31 + Math.round(p * 100)) | 0;
      }
  }
  const e = info.extent, toPx = v => (v + e) / (2 * e) * c.width;
  for (let i = 0; i < info.labels.length; i++) {
    const rgb = mix(info.labels[i]);
    g.fillStyle = "rgb(" + rgb + ")";
    g.strokeStyle = "#333";
    g.beginPath();
    g.arc(toPx(info.points[2 * i]), c.height - toPx(info.points[2 * i + 1]), 3.5, 0, 2 * Math.PI);
    g.fill();
    g.stroke();
  }
  window.nablaState.regionsHash = hash;
}

function drawLoss() {
  const c = $("loss"), g = c.getContext("2d"), L = window.nablaState.losses;
  g.clearRect(0, 0, c.width, c.height);
  if (L.length === 0) return;
  const max = Math.max(...L, 1e-6);
  g.strokeStyle = "#4a90e2";
  g.lineWidth = 2;
  g.beginPath();
  L.forEach((v, i) => {
    const x = 30 + (c.width - 40) * (L.length === 1 ? 0 : i / (L.length - 1)), y = c.height - 20 - (c.height - 40) * v / max;
    if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
  });
  g.stroke();
  g.fillStyle = "#555";
  g.fillText(max.toFixed(3), 2, 20);
  g.fillText("0", 2, c.height - 20);
  g.fillText("epoch " + window.nablaState.epoch, c.width - 70, c.height - 5);
}

function drawNetwork(weights) {
  const svg = $("network"), sizes = info.layers, W = +svg.getAttribute("width"), H = +svg.getAttribute("height");
  const ns = "http://www.w3.org/2000/svg";
  svg.innerHTML = "";
  const pos = sizes.map((n, l) => Array.from({ length: n }, (_, j) => [40 + l * (W - 80) / (sizes.length - 1), (j + 1) * H / (n + 1)]));
  if (weights) {
    let maxAbs = 1e-6;
    weights.forEach(m => m.forEach(v => { maxAbs = Math.max(maxAbs, Math.abs(v)); }));
    weights.forEach((m, l) => {                   // W [out, in], row-major
      const nin = sizes[l], nout = sizes[l + 1];
      for (let o = 0; o < nout; o++)
        for (let i = 0; i < nin; i++) {
          const v = m[o * nin + i], line = document.createElementNS(ns, "line");
          line.setAttribute("x1", pos[l][i][0]); line.setAttribute("y1", pos[l][i][1]);
          line.setAttribute("x2", pos[l + 1][o][0]); line.setAttribute("y2", pos[l + 1][o][1]);
          line.setAttribute("stroke", v >= 0 ? "#4a90e2" : "#d0021b");
          line.setAttribute("stroke-width", (0.3 + 3.5 * Math.abs(v) / maxAbs).toFixed(2));
          line.setAttribute("opacity", "0.75");
          svg.appendChild(line);
        }
    });
  }
  pos.forEach(layer => layer.forEach(([x, y]) => {
    const c = document.createElementNS(ns, "circle");
    c.setAttribute("cx", x); c.setAttribute("cy", y); c.setAttribute("r", 7);
    c.setAttribute("fill", "#fff"); c.setAttribute("stroke", "#333");
    svg.appendChild(c);
  }));
}

$("train").addEventListener("click", start);
$("stop").addEventListener("click", stop);
