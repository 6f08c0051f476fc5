"use strict";
(function () {
  var data = JSON.parse(document.getElementById("dg-data").textContent);
  var PAGE = 100;

  function cmp(a, b) {
    if (a === b) return 0;
    if (a === null || a === undefined) return 1;
    if (b === null || b === undefined) return -1;
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a) < String(b) ? -1 : 1;
  }

  // Server-rendered tables: sort rows by each cell's data-v (numbers) or text.
  function sortable(table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener("click", function () {
        var desc = th.classList.contains("asc");
        Array.prototype.forEach.call(heads, function (h) { h.classList.remove("asc", "desc"); });
        th.classList.add(desc ? "desc" : "asc");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var key = function (r) {
          var c = r.cells[col];
          var v = c.getAttribute("data-v");
          return v !== null ? parseFloat(v) : c.textContent;
        };
        var keyed = rows.map(function (r) { return [key(r), r]; });
        keyed.sort(function (x, y) { return desc ? cmp(y[0], x[0]) : cmp(x[0], y[0]); });
        var frag = document.createDocumentFragment();
        keyed.forEach(function (k) { frag.appendChild(k[1]); });
        body.appendChild(frag);
      });
    });
  }

  // Data tables: rows live in JS, one page at a time reaches the DOM.
  function lazyTable(host, columns, rows) {
    var state = { rows: rows, shown: rows, page: 0, col: -1, desc: false };
    var pager = document.createElement("div");
    pager.className = "pager";
    var prev = document.createElement("button");
    prev.textContent = "\u2039 prev";
    var next = document.createElement("button");
    next.textContent = "next \u203A";
    var info = document.createElement("span");
    var filter = document.createElement("input");
    filter.type = "search";
    filter.placeholder = "filter";
    pager.append(prev, next, info, filter);
    var table = document.createElement("table");
    table.className = "lazy";
    var head = table.createTHead().insertRow();
    var body = table.createTBody();
    columns.forEach(function (c, i) {
      var th = document.createElement("th");
      th.textContent = c.title;
      th.addEventListener("click", function () {
        state.desc = state.col === i ? !state.desc : false;
        state.col = i;
        Array.prototype.forEach.call(head.cells, function (h) { h.classList.remove("asc", "desc"); });
        th.classList.add(state.desc ? "desc" : "asc");
        state.shown = sorted(state.shown);
        state.page = 0;
        draw();
      });
      head.appendChild(th);
    });
    function sorted(rows) {
      var i = state.col;
      if (i < 0) return rows;
      return rows.slice().sort(function (x, y) {
        return state.desc ? cmp(y[i], x[i]) : cmp(x[i], y[i]);
      });
    }
    function draw() {
      var pages = Math.max(1, Math.ceil(state.shown.length / PAGE));
      state.page = Math.min(Math.max(state.page, 0), pages - 1);
      var from = state.page * PAGE;
      var slice = state.shown.slice(from, from + PAGE);
      var frag = document.createDocumentFragment();
      slice.forEach(function (r) {
        var tr = document.createElement("tr");
        columns.forEach(function (c, i) {
          var td = document.createElement("td");
          var v = r[i];
          td.textContent = v === null || v === undefined ? "\u2014" : c.fmt ? c.fmt(v) : String(v);
          if (c.cls) td.className = c.cls(v);
          tr.appendChild(td);
        });
        frag.appendChild(tr);
      });
      body.replaceChildren(frag);
      info.textContent = state.shown.length === 0 ? " no rows" :
        " rows " + (from + 1) + "\u2013" + (from + slice.length) + " of " + state.shown.length;
      prev.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
    }
    prev.addEventListener("click", function () { state.page -= 1; draw(); });
    next.addEventListener("click", function () { state.page += 1; draw(); });
    filter.addEventListener("input", function () {
      var q = filter.value.toLowerCase();
      state.shown = sorted(q === "" ? state.rows : state.rows.filter(function (r) {
        return r.some(function (v) { return v !== null && String(v).toLowerCase().indexOf(q) >= 0; });
      }));
      state.page = 0;
      draw();
    });
    host.replaceChildren(pager, table);
    draw();
  }

  var actionCls = function (v) { return "a-" + v; };
  var score = function (v) { return v.toFixed(4); };
  var accountColumns = [
    { title: "account" }, { title: "latest action", cls: actionCls }, { title: "since" },
    { title: "score", fmt: score }, { title: "verdicts" }, { title: "strongest reason" },
    { title: "campaign" }, { title: "allowlisted" }
  ];
  var memberColumns = accountColumns.slice(0, 6);

  function memberRows(members) {
    return members.map(function (m) {
      if (typeof m === "number") return data.accounts[m].slice(0, 6);
      return [m, null, null, null, 0, null];
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), sortable);
  Array.prototype.forEach.call(document.querySelectorAll("details.campaign"), function (d) {
    var host = d.querySelector(".members");
    var show = function () {
      if (d.open && !host.hasChildNodes()) {
        lazyTable(host, memberColumns, memberRows(data.members[+host.getAttribute("data-members")]));
      }
    };
    d.addEventListener("toggle", show);
    show();
  });
  lazyTable(document.getElementById("accounts-table"), accountColumns, data.accounts);
  document.body.setAttribute("data-rendered", "ok");
})();
