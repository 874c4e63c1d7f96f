(function () {
  var data = regcheck.data, make = regcheck.make, categories = regcheck.categories;
  var grid = { left: 56, right: 24, top: 40, bottom: 56, containLabel: true };
  make('chart-office', {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0 },
    grid: grid,
    xAxis: categories(data.offices),
    yAxis: { type: 'value', name: '问题数', minInterval: 1 },
    series: data.severity.map(function (s) {
      return { name: s.name, type: 'bar', stack: 'sev', data: s.data, itemStyle: { color: s.colour } };
    })
  });
  make('chart-rule', {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 24, right: 40, top: 16, bottom: 24, containLabel: true },
    xAxis: { type: 'value', name: '问题数', minInterval: 1 },
    yAxis: { type: 'category', data: data.rules.map(function (r) { return r.id + ' ' + r.title; }) },
    series: [{ type: 'bar', name: '问题数', label: { show: true, position: 'right' },
      data: data.rules.map(function (r) { return { value: r.count, itemStyle: { color: r.colour } }; }) }]
  });
  var ontime = categories(data.on_time.map(function (r) { return r.office; }));
  make('chart-ontime', {
    tooltip: { trigger: 'axis', valueFormatter: function (v) { return v == null ? '—' : v + '%'; } },
    grid: grid,
    xAxis: ontime,
    yAxis: { type: 'value', name: data.on_time_min > 0 ? '按时办结率 %（纵轴自 ' + data.on_time_min + '% 起）'
      : '按时办结率 %', min: data.on_time_min, max: 100 },
    series: [{ type: 'bar', name: '按时办结率', label: { show: true, position: 'top', formatter: '{c}%' },
      itemStyle: { color: '#2e7d32' },
      data: data.on_time.map(function (r) { return r.rate == null ? null : Math.round(r.rate * 1000) / 10; }) }]
  });
  var d = data.distribution;
  make('chart-dist', {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0 },
    grid: grid,
    xAxis: { type: 'category', data: d.labels, name: '用时 − 时限（工作日）', nameLocation: 'middle', nameGap: 28 },
    yAxis: { type: 'value', name: '案件数', minInterval: 1 },
    series: d.series.map(function (s, i) {
      var out = { name: s.name, type: 'bar', stack: 'dist', data: s.data, itemStyle: { color: s.colour } };
      if (i === 0) {
        out.markArea = { silent: true, itemStyle: { color: 'rgba(183,28,28,0.08)' },
          data: [[{ xAxis: d.labels[d.limit_index + 1], name: '超期' }, { xAxis: d.labels[d.labels.length - 1] }]] };
      }
      return out;
    })
  });
  regcheck.done();

  var box = document.getElementById('filter');
  if (box) {
    var rows = document.querySelectorAll('#findings-table tbody tr');
    box.addEventListener('input', function () {
      var q = box.value.trim().toLowerCase();
      for (var i = 0; i < rows.length; i++) {
        rows[i].style.display = !q || rows[i].textContent.toLowerCase().indexOf(q) >= 0 ? '' : 'none';
      }
    });
  }
})();
