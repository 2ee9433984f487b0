/* Fanxing dashboard: progressive enhancement only (filters auto-submit, weights what-if). */
(function () {
  "use strict";

  var filters = document.getElementById("filters");
  if (filters) {
    filters.querySelectorAll("select").forEach(function (sel) {
      sel.addEventListener("change", function () { filters.submit(); });
    });
  }

  var form = document.getElementById("whatif-form");
  if (!form) return;
  var table = document.getElementById("whatif-table");
  var status = document.getElementById("whatif-status");
  var published = JSON.parse(form.getAttribute("data-published") || "{}");
  var sliders = form.querySelectorAll("input[type=range]");

  function sync(input) {
    var out = form.querySelector('output[for="' + input.name + '"]');
    if (out) out.textContent = input.value;
  }
  sliders.forEach(function (s) { s.addEventListener("input", function () { sync(s); }); });

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    if (text instanceof Node) td.appendChild(text); else td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function change(n) {
    var span = document.createElement("span");
    if (n === null || n === undefined) { span.textContent = "—"; span.className = "same"; }
    else if (n > 0) { span.textContent = "▲" + n; span.className = "up"; }
    else if (n < 0) { span.textContent = "▼" + (-n); span.className = "down"; }
    else { span.textContent = "–"; span.className = "same"; }
    return span;
  }

  function render(data) {
    var body = table.querySelector("tbody");
    while (body.firstChild) body.removeChild(body.firstChild);
    data.items.forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, String(r.rank), "num rank");
      cell(tr, change(r.rank_change), "num");
      var a = document.createElement("a");
      a.href = "/dramas/" + encodeURIComponent(r.drama_id);
      a.textContent = r.title || r.drama_id;
      cell(tr, a);
      cell(tr, r.score === null ? "—" : r.score.toFixed(2), "num");
      cell(tr, r.published_rank === null ? "—" : String(r.published_rank), "num");
      body.appendChild(tr);
    });
    status.textContent = (status.getAttribute("data-moved") || "{n}").replace("{n}", data.moved);
  }

  function run() {
    var weights = {};
    sliders.forEach(function (s) { weights[s.name] = Number(s.value); });
    status.textContent = status.getAttribute("data-loading") || "…";
    fetch("/api/v1/whatif", {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify({weights: weights, limit: 50})
    }).then(function (resp) {
      return resp.json().then(function (data) {
        if (!resp.ok) throw new Error((data.error && data.error.message) || resp.statusText);
        return data;
      });
    }).then(render).catch(function (err) { status.textContent = String(err.message || err); });
  }

  form.addEventListener("submit", function (ev) { ev.preventDefault(); run(); });
  document.getElementById("whatif-reset").addEventListener("click", function () {
    sliders.forEach(function (s) {
      s.value = Math.round((published[s.name] || 0) * 100);
      sync(s);
    });
    run();
  });
})();
