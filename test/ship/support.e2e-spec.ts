import { exposedNames, metricNames } from './support';

/** The parsers the shipping tests rely on: a parser that finds nothing would pass anything. */
describe('PromQL metric names and /metrics families', () => {
  it('finds the metrics of an expression, not its functions, labels, ranges or groupings', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, handler) (rate(messages_processing_duration_seconds_bucket{handler=~"a.+"}[$__rate_interval])))',
      ),
    ).toEqual(['messages_processing_duration_seconds_bucket']);
    expect(
      metricNames(
        'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.01',
      ),
    ).toEqual(['http_requests_total']);
    expect(metricNames('max(dead_letters) or on() vector(0)')).toEqual(['dead_letters']);
    expect(metricNames('a_total / ignoring(x) b_total > 1e3')).toEqual(['a_total', 'b_total']);
  });

  it('reads declared families, a histogram’s series, and samples', () => {
    const names = exposedNames(
      [
        '# HELP h_seconds a histogram',
        '# TYPE h_seconds histogram',
        '# TYPE c_total counter',
        'g 1',
        'c_total{a="b"} 2',
      ].join('\n'),
    );
    expect([...names].sort()).toEqual(
      ['c_total', 'g', 'h_seconds', 'h_seconds_bucket', 'h_seconds_count', 'h_seconds_sum'].sort(),
    );
  });
});
