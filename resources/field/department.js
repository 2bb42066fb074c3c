// 城管通 for a 吹哨报到 department's contact: loaded after app.js. A phone paired to a department (code from
// `commandcenter field pair --department DEPT`, or its QR link ?dcode=…) shows that department's joint tasks
// with 报到 / 完成 / 拒绝; it never acts as an officer (its token is only good for /field/v1/department/).
"use strict";

const dept = {
  token: store.getItem("cgt.dept.token") || "",
  card: JSON.parse(store.getItem("cgt.dept.card") || "null"),
  tasks: [],
  timer: null,
};

async function deptApi(method, path, body) {
  const headers = {};
  if (dept.token) headers.Authorization = "Bearer " + dept.token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(API + "department/" + path, {method, headers, cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body)});
  const data = (response.headers.get("Content-Type") || "").includes("json") ? await response.json() : null;
  if (response.status === 401 && path !== "pair") {
    deptUnpair("绑定已失效，请重新绑定");
    throw new Error("未绑定");
  }
  if (!response.ok) throw new Error((data && data.error) || ("请求失败 " + response.status));
  return data;
}

function deptUnpair(message) {
  dept.token = "";
  dept.card = null;
  store.removeItem("cgt.dept.token");
  store.removeItem("cgt.dept.card");
  clearInterval(dept.timer);
  if (message) toast(message, true);
  officerRoute();
}

async function deptPair(code) {
  const data = await deptApi("POST", "pair", {code, device: navigator.userAgent.slice(0, 120)});
  dept.token = data.token;
  dept.card = data.department;
  store.setItem("cgt.dept.token", data.token);
  store.setItem("cgt.dept.card", JSON.stringify(data.department));
  history.replaceState(null, "", location.pathname + "#department");
  toast("绑定成功：" + data.department.name);
  deptStart();
}

function deptChip(t) {
  if (t.status === "summoned") return `<span class="chip${t.overdue ? " urgent" : ""}">${t.overdue ? "已超时·" : ""}待报到</span>`;
  if (t.status === "reported") return `<span class="chip accepted">${t.overdue ? "已超时·" : ""}已报到</span>`;
  return `<span class="chip handling">${esc(t.status_zh)}</span>`;
}

function deptTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return `${d.getMonth() + 1}月${d.getDate()}日 ${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function renderDepartment() {
  $("#tabs").hidden = true;
  $("#sos").hidden = true;
  const card = dept.card || {};
  $("#who").textContent = `${card.name || ""}`;
  const open = dept.tasks.filter((t) => t.open);
  const done = dept.tasks.filter((t) => !t.open);
  const item = (t) => `
    <div class="card task dept-task" data-id="${t.id}">
      <div class="row"><span class="title">${esc(t.category || "联合执法")}</span>${deptChip(t)}</div>
      <div class="addr">${esc(t.address || "（无地址）")}</div>
      <div>${esc(t.task)}</div>
      ${t.description ? `<div class="muted">${esc(t.description)}</div>` : ""}
      <div class="row"><span class="muted">${esc(t.case_code)}</span>
        <span class="muted">吹哨 ${esc(deptTime(t.summoned_at))}${t.due_at ? "，报到时限 " + esc(deptTime(t.due_at)) : ""}</span></div>
      ${t.note ? `<div class="muted">${esc(t.note)}</div>` : ""}
      ${t.open ? `<div class="actions split" style="margin-top:10px">
        ${t.status === "summoned" ? `<button class="btn ok" type="button" data-act="report">报到</button>` : ""}
        <button class="btn" type="button" data-act="done">完成</button>
        <button class="btn secondary" type="button" data-act="refuse">拒绝</button></div>` : ""}
    </div>`;
  view.innerHTML = `<h2>${esc(card.name || "")} · 联合执法任务（${open.length}）</h2>`
    + (open.map(item).join("") || `<div class="card empty">暂无待办任务，新的吹哨任务会自动出现</div>`)
    + (done.length ? `<h2>已办结</h2>` + done.map(item).join("") : "")
    + `<div class="actions"><button id="dept-unpair" class="btn secondary" type="button">解除绑定</button></div>`;
  view.querySelectorAll(".dept-task button[data-act]").forEach((b) => {
    b.onclick = () => deptAct(Number(b.closest(".dept-task").dataset.id), b.dataset.act);
  });
  $("#dept-unpair").onclick = () => deptUnpair("");
}

function deptAct(id, action) {
  const names = {report: "报到", done: "完成", refuse: "拒绝"};
  const need = action === "refuse";
  sheet(`<h2>${names[action]}</h2><label for="dept-note">${need ? "拒绝理由（必填）" : "说明（可不填）"}</label>
    <textarea id="dept-note" placeholder="${need ? "例如：不属于本部门职责" : "例如：已到场，正在核查"}"></textarea>
    <div class="actions split" style="margin-top:12px"><button id="dept-cancel" class="btn secondary" type="button">取消</button>
      <button id="dept-confirm" class="btn${need ? " danger" : ""}" type="button">确认${names[action]}</button></div>`);
  $("#dept-cancel").onclick = () => { $("#sheet").hidden = true; };
  $("#dept-confirm").onclick = async () => {
    const note = $("#dept-note").value.trim();
    if (need && !note) { toast("请填写拒绝理由", true); return; }
    $("#sheet").hidden = true;
    try {
      await deptApi("POST", `tasks/${id}/${action}`, {note});
      toast(`已${names[action]}`);
      await deptReload();
    } catch (e) { toast(e.message, true); }
  };
}

async function deptReload() {
  const data = await deptApi("GET", "tasks");
  dept.card = data.department;
  dept.tasks = data.tasks;
  if (!$("#sheet").hidden) return;  // the contact is typing a note: repaint after
  renderDepartment();
}

function deptStart() {
  renderDepartment();
  deptReload().catch((e) => { if (dept.token) toast(e.message, true); });
  clearInterval(dept.timer);
  dept.timer = setInterval(() => { if (dept.token) deptReload().catch(() => {}); }, 15000);
}

// The officer app's router and pairing, extended: a department phone shows its tasks; a typed code is tried as
// a department's first, then as an officer's (a failed try consumes no code).
const officerRoute = route;
route = function () {  // eslint-disable-line no-global-assign
  if (dept.token) { renderDepartment(); return; }
  officerRoute();
};
const officerPair = pair;
pair = async function (code) {  // eslint-disable-line no-global-assign
  code = (code || "").trim();
  if (!code) { toast("请输入绑定码", true); return; }
  try {
    await deptPair(code);
  } catch (e) {
    await officerPair(code);
  }
};

const deptCode = new URLSearchParams(location.search).get("dcode");
if (deptCode && !dept.token && !state.token) {
  deptPair(deptCode).catch(() => { toast("绑定码错误、已使用或已过期", true); officerRoute(); });
} else if (dept.token) {
  deptStart();
}
