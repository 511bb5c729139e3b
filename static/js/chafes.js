// Where it chafes: one chart of the twelve-week trend, for the topic chosen in the picker,
// drawn with the vendored Chart.js from <script type="application/json" id="chafes-trend-data">.
// The table next to it holds the same numbers for every topic, for screen readers.
(function () {
  "use strict";
  var source = document.getElementById("chafes-trend-data");
  var canvas = document.getElementById("chafes-trend");
  var picker = document.getElementById("trend-topic");
  if (!source || !canvas || !picker || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);

  function datasets(topic) {
    return [
      {
        type: "line", label: data.series.repeat_rate, data: topic.repeat_rate, borderColor: "#dc3545",
        backgroundColor: "#dc3545", yAxisID: "rate", spanGaps: true,
      },
      {
        type: "bar", label: data.series.complaints, data: topic.complaints,
        backgroundColor: "#6c757d", yAxisID: "count",
      },
    ];
  }

  var chart = new Chart(canvas, {
    data: { labels: data.labels, datasets: datasets(data.topics[0]) },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      scales: {
        rate: { position: "left", beginAtZero: true, suggestedMax: 100, ticks: { callback: function (v) { return v + " %"; } } },
        count: { position: "right", beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false } },
      },
    },
  });

  picker.addEventListener("change", function () {
    var topic = data.topics[Number(picker.value)];
    if (!topic) return;
    chart.data.datasets = datasets(topic);
    chart.update();
  });
})();
