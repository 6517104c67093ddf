// The supervision dashboard's charts (ECharts), drawn over the tables the server rendered: the page
// reads and works without them. Data, words and links come from the page's JSON block
// (#dashboard-data, built by web/dashboard.py); a click on a bar or slice opens the list it counts.
// Tooltips are drawn on the canvas (renderMode "richText"): ECharts' HTML tooltips carry inline
// styles, which the Content-Security-Policy refuses. Legends are a list above the chart, not drawn
// on its canvas: the page's text wraps them on a phone, where ECharts' own would cover the chart.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var COLORS = {
    high: "#c62828", medium: "#d97706", low: "#5b7fa6",
    overdue: "#c62828", due_soon: "#d97706", later: "#2e7d32", no_due: "#9aa5b1",
    count: "#0b57a4"
  };
  var STATUS_COLORS = {
    intake: "#7fa7d9", investigating: "#0b57a4", decided: "#d97706", served: "#b7791f",
    closed: "#2e7d32", not_filed: "#9aa5b1"
  };
  // the statuses a procedure adds (its BPMN names them), in turn
  var MORE_COLORS = ["#6a4c93", "#00838f", "#ad1457", "#5d4037", "#558b2f", "#37474f"];
  var FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  var base = {
    textStyle: { fontFamily: FONT, fontSize: 13 },
    tooltip: { renderMode: "richText", confine: true },
    animation: false
  };

  function merge(extra) {
    var option = {};
    Object.keys(base).forEach(function (k) { option[k] = base[k]; });
    Object.keys(extra).forEach(function (k) { option[k] = extra[k]; });
    return option;
  }

  function barOption(chart, horizontal, stacked) {
    var categories = horizontal ? chart.categories.slice().reverse() : chart.categories;
    var series = chart.series.map(function (s) {
      var values = horizontal ? s.values.slice().reverse() : s.values;
      var severities = s.severities && (horizontal ? s.severities.slice().reverse() : s.severities);
      return {
        type: "bar", name: s.name, stack: stacked ? "all" : undefined,
        data: values.map(function (v, i) {
          var item = { value: v };
          if (severities) { item.itemStyle = { color: COLORS[severities[i]] }; }
          return item;
        }),
        itemStyle: { color: COLORS[s.key] || COLORS.count },
        barMaxWidth: 28
      };
    });
    var valueAxis = { type: "value", minInterval: 1 };
    var categoryAxis = { type: "category", data: categories,
                         axisLabel: { width: horizontal ? 150 : 80, overflow: "truncate", interval: 0 } };
    return merge({
      tooltip: { renderMode: "richText", confine: true, trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 24, top: 12, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: series
    });
  }

  function statusColor(chart, i) {
    var key = chart.series[0].keys[i];
    if (STATUS_COLORS[key]) { return STATUS_COLORS[key]; }
    var others = chart.series[0].keys.filter(function (k) { return !STATUS_COLORS[k]; });
    return MORE_COLORS[others.indexOf(key) % MORE_COLORS.length];
  }

  function pieOption(chart) {
    var s = chart.series[0];
    return merge({
      series: [{
        type: "pie", name: s.name, radius: ["36%", "62%"], center: ["50%", "50%"],
        label: { formatter: "{c}", overflow: "none" }, labelLine: { length: 6, length2: 8 },
        data: chart.categories.map(function (name, i) {
          return { name: name, value: s.values[i], itemStyle: { color: statusColor(chart, i) } };
        })
      }]
    });
  }

  // What a colour stands for, as a list above the chart (the table below names the figures).
  function legendItems(chart) {
    if (chart.kind === "pie") {
      return chart.categories.map(function (name, i) { return { name: name, color: statusColor(chart, i) }; });
    }
    if (chart.kind === "stacked") {
      return chart.series.map(function (s) { return { name: s.name, color: COLORS[s.key] || COLORS.count }; });
    }
    return [];
  }

  function drawLegend(box, items) {
    if (!items.length) { return; }
    var list = document.createElement("ul");
    list.className = "legend chart-legend";
    list.setAttribute("aria-hidden", "true");  // as the chart: the table carries the words
    list.setAttribute("data-legend-of", box.getAttribute("data-chart"));
    items.forEach(function (item) {
      var entry = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.backgroundColor = item.color;  // CSSOM, which the CSP allows (no style attribute)
      swatch.style.borderColor = item.color;
      entry.appendChild(swatch);
      entry.appendChild(document.createTextNode(item.name));
      list.appendChild(entry);
    });
    box.parentNode.insertBefore(list, box);
  }

  function lineOption(chart) {
    var s = chart.series[0];
    return merge({
      tooltip: { renderMode: "richText", confine: true, trigger: "axis" },
      grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: chart.categories, boundaryGap: false },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "line", name: s.name, data: s.values, areaStyle: { opacity: 0.15 },
                 itemStyle: { color: COLORS.count }, symbolSize: 7 }]
    });
  }

  function linkOf(chart, params) {
    var reversed = chart.kind === "stacked" || chart.kind === "bar";  // drawn top-down, most first
    var s = chart.series[params.seriesIndex || 0];
    if (!s || !s.links) { return null; }
    var i = reversed ? chart.categories.length - 1 - params.dataIndex : params.dataIndex;
    return s.links[i] || null;
  }

  var drawn = [];
  document.querySelectorAll("[data-chart]").forEach(function (box) {
    var chart = data[box.getAttribute("data-chart")];
    if (!chart || !chart.categories.length) { return; }
    var option = chart.kind === "pie" ? pieOption(chart)
      : chart.kind === "line" ? lineOption(chart)
      : barOption(chart, true, chart.kind === "stacked");
    drawLegend(box, legendItems(chart));
    box.classList.add("chart-ready");  // shown (sized) before ECharts measures it
    if (chart.kind === "bar" || chart.kind === "stacked") {  // a bar's room for each department or rule
      box.style.height = Math.max(160, chart.categories.length * 34 + 50) + "px";
    }
    var instance = window.echarts.init(box, null, { renderer: "canvas" });
    instance.setOption(option);
    instance.on("click", function (params) {
      var href = linkOf(chart, params);
      if (href) { window.location.href = href; }
    });
    drawn.push(instance);
    // the chart says it now; its table stays one click away (and is read by screen readers)
    var table = box.parentNode.querySelector("details.chart-table");
    if (table) { table.removeAttribute("open"); }
  });
  window.addEventListener("resize", function () {
    drawn.forEach(function (instance) { instance.resize(); });
  });
})();
