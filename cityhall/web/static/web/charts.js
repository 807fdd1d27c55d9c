/* Draws each chart of a dashboard from the JSON block the page carries (no inline script: the CSP forbids it).
   <div data-chart="units" data-source="dash-data"></div> — the kinds are below. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var palette = { red: "#d63939", amber: "#f59f00", green: "#2fb344", grey: "#8a94a6", blue: "#206bc4" };
  function bar(el, names, series, opts) {
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(Object.assign({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 36, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 3 ? 35 : 0, width: 90, overflow: "truncate" } },
      yAxis: { type: "value", minInterval: 1 },
      series: series,
      animation: false
    }, opts || {}));
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function draw(el, data) {
    var kind = el.getAttribute("data-chart");
    if (kind === "units") {
      var u = data.units;
      bar(el, u.map(function (r) { return r.unit; }), [
        { name: "逾期", type: "bar", stack: "s", color: palette.red, data: u.map(function (r) { return r.overdue; }) },
        { name: "1个工作日内到期", type: "bar", stack: "s", color: palette.amber, data: u.map(function (r) { return r.due_soon; }) },
        { name: "办理中", type: "bar", stack: "s", color: palette.green, data: u.map(function (r) { return r.open; }) }
      ]);
    } else if (kind === "sources") {
      var s = data.sources;
      bar(el, s.map(function (r) { return r.source; }), [
        { name: "逾期", type: "bar", stack: "s", color: palette.red, data: s.map(function (r) { return r.overdue; }) },
        { name: "办理中", type: "bar", stack: "s", color: palette.blue, data: s.map(function (r) { return r.open; }) },
        { name: "已销号", type: "bar", stack: "s", color: palette.grey, data: s.map(function (r) { return r.closed; }) }
      ]);
    } else if (kind === "rates") {
      var r = data.units.filter(function (x) { return x.on_time_rate !== null; });
      bar(el, r.map(function (x) { return x.unit; }), [
        { name: "按期销号率（%）", type: "bar", color: palette.blue, data: r.map(function (x) { return x.on_time_rate; }) }
      ], { yAxis: { type: "value", max: 100 } });
    } else if (kind === "categories") {
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        tooltip: { trigger: "item" },
        legend: { top: 0 },
        series: [{ type: "pie", radius: ["35%", "58%"], center: ["50%", "58%"], data: data.categories, label: { formatter: "{c}项" } }],
        color: [palette.green, palette.amber, palette.blue],
        animation: false
      });
      window.addEventListener("resize", function () { chart.resize(); });
    } else if (kind === "figures") {
      // An interpretation's figures (图文并茂, Art 30): [{label, value}, ...] under one title.
      var f = data.points;
      bar(el, f.map(function (x) { return x.label; }), [
        { name: data.title || "数值", type: "bar", color: palette.blue, data: f.map(function (x) { return x.value; }) }
      ], { yAxis: { type: "value" } });
    } else if (kind === "year-end") {
      var y = data.year_end.units;
      bar(el, y.map(function (x) { return x.unit; }), [
        { name: "年初确定、尚未销号", type: "bar", color: palette.amber, data: y.map(function (x) { return x.open; }) }
      ]);
    }
  }
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var block = document.getElementById(el.getAttribute("data-source"));
    if (block) { draw(el, JSON.parse(block.textContent)); }
  });
})();
