(function () {
  var data = regcheck.data, make = regcheck.make, categories = regcheck.categories;
  var esc = function (s) { return echarts.format.encodeHTML(String(s)); };
  var months = data.months;
  function draw(o, i) {
    make('trend-lines-' + i, {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 56, right: 56, top: 40, bottom: 40, containLabel: true },
      xAxis: categories(months),
      yAxis: [
        { type: 'value', name: '问题率（每百件）', min: 0 },
        { type: 'value', name: '按时办结率 %', min: o.on_time_min, max: 100, splitLine: { show: false } }
      ],
      series: [
        { name: '问题率 rate', type: 'line', data: o.rate, connectNulls: false, itemStyle: { color: '#e8590c' } },
        { name: '按时办结率 on-time', type: 'line', yAxisIndex: 1, data: o.on_time, connectNulls: false,
          itemStyle: { color: '#2e7d32' }, tooltip: { valueFormatter: function (v) { return v == null ? '—' : v + '%'; } } }
      ]
    });
    if (!o.operators.length) { return; }
    // the heat map: one stacked bar per operator, one segment per month (the library's common build draws
    // bars, not heat maps), coloured by the rate, a warned month outlined
    var grid = o.operators.map(function () { return months.map(function () { return null; }); });
    o.cells.forEach(function (c) { grid[c.y][c.x] = c; });
    make('trend-heat-' + i, {
      tooltip: { trigger: 'item', formatter: function (p) {
        var c = p.data.cell;
        return esc(o.operators[p.dataIndex]) + '<br>' + esc(months[p.seriesIndex]) + '：问题率 '
          + (c && c.rate != null ? c.rate : '—') + (c && c.warned ? '（预警 warned）' : '');
      } },
      grid: { left: 24, right: 24, top: 32, bottom: 16, containLabel: true },
      xAxis: [{ type: 'value', min: 0, max: months.length, show: false },
        { type: 'category', data: months, position: 'top', axisTick: { show: false } }],
      yAxis: { type: 'category', data: o.operators, inverse: true, axisLabel: { width: 120, overflow: 'truncate' } },
      series: months.map(function (m, x) {
        return { name: m, type: 'bar', stack: 'heat', barCategoryGap: '6%', xAxisIndex: 0,
          label: { show: months.length <= 12, position: 'inside', fontSize: 10, color: '#1f2933',
            formatter: function (p) { var c = p.data.cell; return c && c.rate != null ? String(c.rate) : ''; } },
          data: grid.map(function (row) {
            var c = row[x], item = { value: 1, cell: c, itemStyle: { color: c ? c.colour : '#f5f7fa' } };
            if (c && c.warned) { item.itemStyle.borderColor = data.mark; item.itemStyle.borderWidth = 3; }
            return item;
          }) };
      })
    });
  }
  // a province has hundreds of offices: their charts are drawn a few at a time, so the page opens at once;
  // printing draws what is left first
  var next = 0, CHUNK = 4, finished = false;
  function drain(all) {
    var stop = all === true ? data.offices.length : Math.min(next + CHUNK, data.offices.length);
    for (; next < stop; next++) { draw(data.offices[next], next); }
    if (next < data.offices.length) {
      setTimeout(drain, 0);
    } else if (!finished) {
      finished = true;
      regcheck.done();
    }
  }
  window.addEventListener('beforeprint', function () { drain(true); });
  drain(false);
})();
