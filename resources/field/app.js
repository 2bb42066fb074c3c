// 城管通 — the officer's app. Plain JavaScript, no libraries, no network beyond this server's /field/v1/ API.
// Views: #pair (bind the phone by code or QR link), #tasks (上班/下班, tasks nearest first, long-polled),
// #task/CODE (location, description, photos, 接单/到场/拍照取证/处置反馈/退单), #report (巡查上报), #me.
"use strict";

const API = "v1/";
const store = window.localStorage;
const state = {
  token: store.getItem("cgt.token") || "",
  officer: JSON.parse(store.getItem("cgt.officer") || "null"),
  tasks: [], version: null, onDuty: null, here: null, polling: false, pollAbort: null,
  evidence: {}, // task code → sha256 of the photos uploaded from this phone
};
const $ = (sel) => document.querySelector(sel);
const view = $("#view");

function esc(text) {
  return String(text == null ? "" : text).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;",
    "\"": "&quot;", "'": "&#39;"}[c]));
}

function toast(text, error) {
  const box = $("#toast");
  box.textContent = text;
  box.className = error ? "error" : "";
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, error ? 4000 : 2200);
}

// ------------------------------------------------------------------------------------------------ API calls
async function api(method, path, body, options) {
  const headers = {};
  if (state.token) headers.Authorization = "Bearer " + state.token;
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(API + path, Object.assign({method, headers, body: payload, cache: "no-store"},
    options || {}));
  const data = (response.headers.get("Content-Type") || "").includes("json") ? await response.json() : null;
  if (response.status === 401 && path !== "pair") {
    unpair("绑定已失效，请重新绑定");
    throw new Error("未绑定");
  }
  if (!response.ok) throw new Error((data && data.error) || ("请求失败 " + response.status));
  return data;
}

function unpair(message) {
  state.token = "";
  state.officer = null;
  store.removeItem("cgt.token");
  store.removeItem("cgt.officer");
  if (state.pollAbort) state.pollAbort.abort();
  if (message) toast(message, true);
  location.hash = "#pair";
}

// ------------------------------------------------------------------------------------------------ position
function startLocation() {
  if (!navigator.geolocation || startLocation.started) return;
  startLocation.started = true;
  let lastSent = 0;
  navigator.geolocation.watchPosition((pos) => {
    state.here = {lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy,
      speed: pos.coords.speed, heading: pos.coords.heading, time: pos.timestamp};
    if (Date.now() - lastSent > 30000 && state.token && state.onDuty) {
      lastSent = Date.now();
      sendPosition().catch(() => { lastSent = 0; });
    }
  }, () => {}, {enableHighAccuracy: true, maximumAge: 10000, timeout: 20000});
}

async function sendPosition() {
  if (!state.here) return;
  const fix = Object.assign({}, state.here);
  if (navigator.getBattery) {
    try { fix.battery = Math.round((await navigator.getBattery()).level * 100); } catch (e) { /* none */ }
  }
  await api("POST", "position", fix);
}

function distanceM(lat1, lon1, lat2, lon2) {
  const r = 6371008.8, rad = Math.PI / 180;
  const a = Math.sin((lat2 - lat1) * rad / 2) ** 2
    + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin((lon2 - lon1) * rad / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(a));
}

function distanceText(m) {
  if (m == null) return "";
  return m >= 1000 ? (m / 1000).toFixed(1) + " 公里" : Math.round(m) + " 米";
}

// ------------------------------------------------------------------------------------------------ long poll
async function pollLoop() {
  if (state.polling) return;
  state.polling = true;
  while (state.token) {
    state.pollAbort = new AbortController();
    const since = state.version == null ? "" : "&since=" + state.version;
    try {
      const data = await api("GET", "tasks?wait=55" + since, undefined, {signal: state.pollAbort.signal});
      const changed = JSON.stringify(data.tasks) !== JSON.stringify(state.tasks);
      state.tasks = data.tasks;
      state.version = data.version;
      if (changed) refreshView();
    } catch (e) {
      if (!state.token) break;
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
  state.polling = false;
}

async function reloadTasks() {
  const data = await api("GET", "tasks");
  state.tasks = data.tasks;
  state.version = data.version;
}

function refreshView() {
  const hash = location.hash || "#tasks";
  if (hash === "#tasks") renderTasks();
  else if (hash.startsWith("#task/")) renderTask(decodeURIComponent(hash.slice(6)), true);
}

// ------------------------------------------------------------------------------------------------ views
function setTab(id) {
  document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("active", b.id === id));
}

function renderPair(code) {
  $("#tabs").hidden = true;
  $("#sos").hidden = true;
  $("#who").textContent = "";
  view.innerHTML = `
    <div class="card">
      <h2>绑定手机</h2>
      <p class="muted">请向值班长索取 8 位绑定码（10 分钟内有效，仅可使用一次），或扫描绑定二维码。</p>
      <label for="code">绑定码</label>
      <input id="code" class="code-input" type="text" inputmode="latin" autocomplete="one-time-code"
             maxlength="12" value="${esc(code || "")}" placeholder="例如 7KQ2MX9P">
    </div>
    <div class="actions"><button id="pair" class="btn" type="button">绑定</button></div>`;
  $("#pair").onclick = () => pair($("#code").value);
}

async function pair(code) {
  code = (code || "").trim();
  if (!code) { toast("请输入绑定码", true); return; }
  try {
    const data = await api("POST", "pair", {code, device: navigator.userAgent.slice(0, 120)});
    state.token = data.token;
    state.officer = data.officer;
    store.setItem("cgt.token", data.token);
    store.setItem("cgt.officer", JSON.stringify(data.officer));
    history.replaceState(null, "", location.pathname + "#tasks");
    toast("绑定成功：" + data.officer.name);
    start();
  } catch (e) {
    toast(e.message.includes("code") ? "绑定码错误、已使用或已过期" : e.message, true);
  }
}

function dutyBar() {
  const on = state.onDuty;
  return `<div class="card"><div class="row"><b>值班状态</b>
      <span class="muted" id="duty-state">${on == null ? "" : on ? "上班中" : "已下班"}</span></div>
    <div class="duty" style="margin-top:10px">
      <button id="duty-on" class="btn ${on ? "on" : "off"}" type="button">上班</button>
      <button id="duty-off" class="btn ${on === false ? "on" : "off"}" type="button">下班</button>
    </div></div>`;
}

function bindDuty() {
  $("#duty-on").onclick = () => setDuty(true);
  $("#duty-off").onclick = () => setDuty(false);
}

async function setDuty(on) {
  try {
    const data = await api("POST", "duty", {on_duty: on});
    state.onDuty = data.on_duty;
    toast(on ? "已上班，开始接收任务" : "已下班");
    if (on) sendPosition().catch(() => {});
    refreshView();
  } catch (e) { toast(e.message, true); }
}

function taskDistance(task) {
  if (state.here && task.lat != null) return distanceM(state.here.lat, state.here.lon, task.lat, task.lon);
  return task.distance_m;
}

function stateChip(task) {
  if (task.status === "handling") return `<span class="chip handling">处置中</span>`;
  if (task.field_state === "accepted") return `<span class="chip accepted">已接单</span>`;
  return `<span class="chip${task.urgency === 1 ? " urgent" : ""}">待接单</span>`;
}

function renderTasks() {
  setTab("tab-tasks");
  const tasks = state.tasks.slice().sort((a, b) => {
    const da = taskDistance(a), db = taskDistance(b);
    return (da == null) - (db == null) || (da || 0) - (db || 0);
  });
  const items = tasks.map((t) => `
    <button class="card task" type="button" data-code="${esc(t.code)}">
      <div class="row"><span class="title">${esc(t.category_name || t.category)}</span>${stateChip(t)}</div>
      <div class="addr">${esc(t.address || "（无地址）")}</div>
      <div class="row"><span class="muted">${esc(t.code)}</span>
        <span class="dist">${esc(distanceText(taskDistance(t)))}</span></div>
    </button>`).join("");
  view.innerHTML = dutyBar() + `<h2>我的任务（${tasks.length}）</h2>`
    + (items || `<div class="card empty">暂无任务${state.onDuty === false ? "（已下班）" : "，新任务会自动出现"}</div>`);
  bindDuty();
  view.querySelectorAll(".task").forEach((el) => {
    el.onclick = () => { location.hash = "#task/" + encodeURIComponent(el.dataset.code); };
  });
}

function miniMap(task) {
  if (task.lat == null) return `<p class="muted">案件没有坐标</p>`;
  const here = state.here;
  let me = "";
  if (here) {
    const span = Math.max(Math.abs(here.lat - task.lat), Math.abs(here.lon - task.lon), 0.0005) * 1.3;
    const x = 100 + (here.lon - task.lon) / span * 40, y = 50 - (here.lat - task.lat) / span * 40;
    me = `<line x1="50" y1="50" x2="${x}" y2="${y}" stroke="#0b5cad" stroke-dasharray="2 2" stroke-width=".8"/>
      <circle cx="${x}" cy="${y}" r="3" fill="#0b5cad" stroke="#fff" stroke-width="1"/>
      <text x="${x}" y="${y + 8}" font-size="5" text-anchor="middle" fill="#0b5cad">我</text>`;
  }
  return `<svg class="minimap" viewBox="0 0 200 100" preserveAspectRatio="xMidYMid slice" role="img" aria-label="案件位置">
      <path d="M0 25H200M0 50H200M0 75H200M25 0V100M50 0V100M75 0V100M100 0V100M125 0V100M150 0V100M175 0V100"
            stroke="#d6dee8" stroke-width=".6"/>
      <path d="M0 50H200M100 0V100" stroke="#c3cfdc" stroke-width="2"/>${me}
      <path d="M100 50l-4-9a5 5 0 1 1 8 0z" fill="#c62828" stroke="#fff" stroke-width=".8"/>
      <text x="100" y="58" font-size="5" text-anchor="middle" fill="#c62828">案件</text></svg>
    <div class="row" style="margin-top:6px"><span class="muted">${task.lat.toFixed(5)}, ${task.lon.toFixed(5)}</span>
      <a class="chip" href="geo:${task.lat},${task.lon}?q=${task.lat},${task.lon}">导航</a></div>`;
}

async function renderTask(code, fromPoll) {
  setTab("tab-tasks");
  let task = state.tasks.find((t) => t.code === code);
  if (!task) {
    try { task = await api("GET", "tasks/" + encodeURIComponent(code)); } catch (e) {
      view.innerHTML = `<div class="card empty">${esc(e.message)}</div>
        <button class="btn secondary" type="button" onclick="location.hash='#tasks'">返回任务列表</button>`;
      return;
    }
  }
  if (location.hash !== "#task/" + encodeURIComponent(code)) return;  // the officer moved on meanwhile
  if (fromPoll && !$("#sheet").hidden) return;  // the officer is typing a reason or a report: keep the page
  const open = task.status === "dispatched" || task.status === "handling";
  let actions = "";
  if (task.status === "dispatched" && task.field_state !== "accepted") {
    actions = `<div class="actions split sticky"><button id="refuse" class="btn danger" type="button">退单</button>
      <button id="accept" class="btn" type="button">接单</button></div>`;
  } else if (task.status === "dispatched") {
    actions = `<div class="actions split sticky"><button id="refuse" class="btn danger" type="button">退单</button>
      <button id="arrive" class="btn" type="button">到场</button></div>`;
  } else if (task.status === "handling") {
    actions = `<div class="actions split sticky">
      <label class="btn secondary filebtn" for="photo">拍照取证
        <input id="photo" type="file" accept="image/*,video/*,audio/*" capture="environment"></label>
      <button id="report" class="btn ok" type="button">处置反馈</button></div>`;
  }
  view.innerHTML = `
    <button class="btn secondary" type="button" id="back">‹ 返回任务列表</button>
    <div class="card">
      <div class="row"><h2>${esc(task.category_name || task.category)}</h2>${open ? stateChip(task) :
        `<span class="chip">${esc(task.status_label)}</span>`}</div>
      <div class="muted">${esc(task.code)}${task.deadline ? " · 处置时限 " + esc(new Date(task.deadline)
        .toLocaleString("zh-CN", {hour12: false})) : ""}</div>
      <p><b>地址：</b>${esc(task.address || "（无地址）")}</p>
      <p><b>描述：</b>${esc(task.description || "（无描述）")}</p>
    </div>
    <div class="card"><b>位置</b> <span class="dist">${esc(distanceText(taskDistance(task)))}</span>${miniMap(task)}</div>
    <div class="card"><b>照片（${task.photos.length}）</b><div class="photos" id="photos"></div></div>
    ${actions}`;
  $("#back").onclick = () => { location.hash = "#tasks"; };
  showPhotos(task);
  const on = (id, fn) => { const el = $("#" + id); if (el) el.onclick = fn; };
  on("accept", () => act(task, "accept", {}, "已接单"));
  on("arrive", () => act(task, "arrive", state.here ? {lat: state.here.lat, lon: state.here.lon} : {}, "已到场"));
  on("refuse", () => refuse(task));
  on("report", () => report(task));
  const input = $("#photo");
  if (input) input.onchange = () => upload(task, input);
}

async function showPhotos(task) {
  const box = $("#photos");
  for (const photo of task.photos) {
    const cell = document.createElement(photo.mime.startsWith("image/") ? "img" : "div");
    if (cell.tagName === "DIV") { cell.className = "file"; cell.textContent = photo.mime.split("/")[0]; }
    else cell.alt = "现场照片";
    box.appendChild(cell);
    if (cell.tagName !== "IMG") continue;
    try {
      const response = await fetch(API + "tasks/" + encodeURIComponent(task.code) + "/photos/" + photo.sha256,
        {headers: {Authorization: "Bearer " + state.token}});
      if (response.ok) cell.src = URL.createObjectURL(await response.blob());
    } catch (e) { /* shown empty */ }
  }
}

async function act(task, action, body, done) {
  try {
    await api("POST", "tasks/" + encodeURIComponent(task.code) + "/" + action, body);
    toast(done);
    await reloadTasks();
    refreshView();
  } catch (e) { toast(e.message, true); }
}

function sheet(html) {
  const box = $("#sheet");
  box.innerHTML = `<div class="card">${html}</div>`;
  box.hidden = false;
  box.onclick = (e) => { if (e.target === box) box.hidden = true; };
  return box;
}

function refuse(task) {
  sheet(`<h2>退单</h2><label for="reason">退单原因（必填）</label>
    <textarea id="reason" placeholder="例如：不属于本人责任区"></textarea>
    <div class="actions split" style="margin-top:12px"><button id="cancel" class="btn secondary" type="button">取消</button>
      <button id="confirm-refuse" class="btn danger" type="button">确认退单</button></div>`);
  $("#cancel").onclick = () => { $("#sheet").hidden = true; };
  $("#confirm-refuse").onclick = async () => {
    const reason = $("#reason").value.trim();
    if (!reason) { toast("请填写退单原因", true); return; }
    $("#sheet").hidden = true;
    await act(task, "refuse", {reason}, "已退单，案件退回指挥中心");
    location.hash = "#tasks";
  };
}

async function upload(task, input) {
  const file = input.files && input.files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file, file.name || "photo.jpg");
  if (state.here) { form.append("lat", state.here.lat); form.append("lon", state.here.lon); }
  form.append("taken_at", new Date(file.lastModified || Date.now()).toISOString());
  toast("正在上传…");
  try {
    const data = await api("POST", "tasks/" + encodeURIComponent(task.code) + "/evidence", form);
    (state.evidence[task.code] = state.evidence[task.code] || []).push(data.sha256);
    toast("取证照片已上传");
    await reloadTasks();
    refreshView();
  } catch (e) { toast(e.message, true); }
}

function report(task) {
  const evidence = task.photos.filter((p) => p.by === (state.officer && state.officer.id)).map((p) => p.sha256);
  sheet(`<h2>处置反馈</h2><label for="report-text">处置情况（必填）</label>
    <textarea id="report-text" placeholder="例如：井盖已更换并固定，现场已清理"></textarea>
    <p class="muted">附现场取证 ${evidence.length} 件${evidence.length ? "" : "（建议先拍照取证）"}</p>
    <div class="actions split"><button id="cancel" class="btn secondary" type="button">取消</button>
      <button id="confirm-report" class="btn ok" type="button">提交反馈</button></div>`);
  $("#cancel").onclick = () => { $("#sheet").hidden = true; };
  $("#confirm-report").onclick = async () => {
    const text = $("#report-text").value.trim();
    if (!text) { toast("请填写处置情况", true); return; }
    $("#sheet").hidden = true;
    await act(task, "report", {text, evidence}, "处置反馈已提交，等待核查");
    location.hash = "#tasks";
  };
}

async function renderReport() {
  setTab("tab-report");
  view.innerHTML = `<div class="card"><h2>巡查上报</h2>
      <label for="category">问题类别</label><select id="category"><option value="">请选择</option></select>
      <label for="description">问题描述</label><textarea id="description" placeholder="描述现场情况"></textarea>
      <label>现场照片</label>
      <label class="btn secondary filebtn" for="report-photo"><span id="report-photo-name">拍照</span>
        <input id="report-photo" type="file" accept="image/*,video/*" capture="environment"></label>
      <p class="muted" id="report-where">${state.here ? "位置：当前定位" : "正在获取定位…"}</p></div>
    <div class="actions"><button id="send-report" class="btn" type="button">提交上报</button></div>`;
  $("#report-photo").onchange = () => {
    const f = $("#report-photo").files[0];
    $("#report-photo-name").textContent = f ? "已选择：" + f.name : "拍照";
  };
  $("#send-report").onclick = sendReport;
  try {
    const data = await api("GET", "categories");
    $("#category").innerHTML = `<option value="">请选择</option>` + data.categories.map((c) =>
      `<option value="${esc(c.code)}">${esc(c.major)} · ${esc(c.name)}</option>`).join("");
  } catch (e) { toast(e.message, true); }
}

async function sendReport() {
  if (!state.here) { toast("还没有定位，请稍候再试", true); return; }
  const category = $("#category").value;
  if (!category) { toast("请选择问题类别", true); return; }
  const form = new FormData();
  form.append("category", category);
  form.append("description", $("#description").value.trim());
  form.append("lat", state.here.lat);
  form.append("lon", state.here.lon);
  const f = $("#report-photo").files[0];
  if (f) form.append("file", f, f.name || "photo.jpg");
  try {
    const data = await api("POST", "reports", form);
    toast("已上报，案件编号 " + data.code);
    location.hash = "#tasks";
  } catch (e) { toast(e.message, true); }
}

function renderMe() {
  setTab("tab-me");
  const o = state.officer || {};
  view.innerHTML = `<div class="card"><h2>${esc(o.name)}</h2>
      <p class="muted">警号 ${esc(o.badge)} · ${esc(o.team)}</p>
      <p class="muted">${state.here ? "定位精度约 " + Math.round(state.here.accuracy || 0) + " 米" : "未获取定位"}</p></div>
    ${dutyBar()}
    <div class="actions"><button id="unpair" class="btn danger" type="button">解除绑定</button></div>`;
  bindDuty();
  $("#unpair").onclick = () => unpair("已解除绑定");
}

function sos() {
  sheet(`<h2 style="color:#c62828">紧急求助 SOS</h2>
    <p>将立即向指挥中心所有坐席报警，并发送你的当前位置。</p>
    <div class="actions split"><button id="cancel" class="btn secondary" type="button">取消</button>
      <button id="confirm-sos" class="btn" style="background:#c62828" type="button">立即求助</button></div>`);
  $("#cancel").onclick = () => { $("#sheet").hidden = true; };
  $("#confirm-sos").onclick = async () => {
    $("#sheet").hidden = true;
    try {
      await api("POST", "sos", state.here ? {lat: state.here.lat, lon: state.here.lon} : {});
      toast("求助已发送，指挥中心已收到");
    } catch (e) { toast("求助发送失败：" + e.message + "，请直接拨打电话", true); }
  };
}

// ------------------------------------------------------------------------------------------------ routing
function route() {
  if (!state.token) { renderPair(new URLSearchParams(location.search).get("code")); return; }
  $("#tabs").hidden = false;
  $("#sos").hidden = false;
  const o = state.officer || {};
  $("#who").textContent = `${o.name || ""} ${o.badge || ""}`;
  const hash = location.hash || "#tasks";
  if (hash.startsWith("#task/")) renderTask(decodeURIComponent(hash.slice(6)), false);
  else if (hash === "#report") renderReport();
  else if (hash === "#me") renderMe();
  else renderTasks();
}

async function start() {
  route();
  startLocation();
  try {
    const me = await api("GET", "me");
    state.onDuty = me.on_duty;
    state.officer = me.officer;
    store.setItem("cgt.officer", JSON.stringify(me.officer));
    await reloadTasks();
    route();
  } catch (e) { if (state.token) toast(e.message, true); }
  pollLoop();
}

window.addEventListener("hashchange", () => { window.scrollTo(0, 0); route(); });
document.querySelectorAll("#tabs button").forEach((b) => { b.onclick = () => { location.hash = b.dataset.go; }; });
$("#sos").onclick = sos;
if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js").catch(() => {});

const qrCode = new URLSearchParams(location.search).get("code");
if (qrCode && !state.token) pair(qrCode);  // opened from the pairing QR code
else if (state.token) start();
else route();
