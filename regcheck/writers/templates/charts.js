// Shared by the reports' scripts: the page's data, and charts drawn as SVG in the page's CJK font, redrawn
// for print. A page's script makes its charts with regcheck.make and ends with regcheck.done().
var regcheck = (function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var font = window.getComputedStyle(document.body).fontFamily;  // the CJK font stack of report.css
  var charts = [];
  function make(id, option) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === 'undefined') { return; }
    var chart = echarts.init(el, null, { renderer: 'svg' });
    option.animation = false;
    option.textStyle = { fontFamily: font };
    chart.setOption(option);
    charts.push(chart);
  }
  // values from the log (office codes, operator ids) are cut on an axis (the tables show them whole)
  function categories(names) {
    return { type: 'category', data: names,
      axisLabel: { rotate: names.length > 12 ? 45 : 0, width: 120, overflow: 'truncate' } };
  }
  function done() {
    function resize() { charts.forEach(function (c) { c.resize(); }); }
    window.addEventListener('resize', resize);
    window.addEventListener('beforeprint', resize);
    window.addEventListener('afterprint', resize);
    document.documentElement.setAttribute('data-charts', String(charts.length));
  }
  return { data: data, make: make, categories: categories, done: done };
})();
