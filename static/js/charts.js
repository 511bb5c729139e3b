// The weekly report's charts, drawn with the vendored Chart.js from the JSON
// the page carries in <script type="application/json" id="chart-data">.
// Each chart has a table with the same numbers next to it for screen readers.
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var colours = { blue: "#0d6efd", teal: "#20c997", orange: "#fd7e14", red: "#dc3545", grey: "#6c757d" };
  var common = { responsive: true, maintainAspectRatio: false, animation: false };

  function bar(id, labels, datasets, stacked) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    new Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: Object.assign({}, common, {
        scales: { x: { stacked: !!stacked }, y: { stacked: !!stacked, beginAtZero: true, ticks: { precision: 0 } } },
      }),
    });
  }


  function header(id, n) {
    var cell = document.querySelector("#" + id + "-table thead th:nth-child(" + n + ")");
    return cell ? cell.textContent : "";
  }

  bar("chart-channels", data.channels.labels, [
    { label: header("chart-channels", 2), data: data.channels.inbound, backgroundColor: colours.blue },
    { label: header("chart-channels", 3), data: data.channels.outbound, backgroundColor: colours.teal },
  ], true);
  bar("chart-sentiment", data.sentiment.labels, [
    { label: header("chart-sentiment", 2), data: data.sentiment.start, backgroundColor: colours.grey },
    { label: header("chart-sentiment", 3), data: data.sentiment.end, backgroundColor: colours.blue },
  ]);
  bar("chart-promises", data.trend.labels, [
    { label: header("chart-promises", 2), data: data.trend.kept_on_time, backgroundColor: colours.teal },
    { label: header("chart-promises", 3), data: data.trend.kept_late, backgroundColor: colours.orange },
    { label: header("chart-promises", 4), data: data.trend.broken, backgroundColor: colours.red },
  ], true);
  bar("chart-checkins", data.trend.labels, [
    { label: header("chart-checkins", 2), data: data.trend.checkins_on_time, backgroundColor: colours.teal },
    { label: header("chart-checkins", 3), data: data.trend.checkins_late, backgroundColor: colours.orange },
    { label: header("chart-checkins", 4), data: data.trend.checkins_overdue, backgroundColor: colours.red },
  ], true);
})();
