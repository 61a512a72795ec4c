import { AnnotationQueryBuilder, DashboardBuilder, QueryVariableBuilder, VariableRefresh, type GridPos } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** The datasource uid every panel uses; provisioning pins the same uid (provisioning/datasources). */
export const DATASOURCE = { type: 'prometheus', uid: 'relay-sim-prometheus' } as const;

/** `rate(x[$__rate_interval])`, the only window panels use, so Grafana can size it to the scrape interval. */
export const rate = (series: string) => `rate(${series}[$__rate_interval])`;

/**
 * A quantile from a histogram, the only correct way: histogram_quantile over the per-le sum of
 * bucket rates. Percentiles are never averaged.
 */
export function quantile(q: number, histogram: string, by: readonly string[], selector = ''): string {
  return `histogram_quantile(${q}, sum by (${['le', ...by].join(', ')}) (${rate(`${histogram}_bucket${selector}`)}))`;
}

export interface Query {
  readonly expr: string;
  readonly legend: string;
}

/**
 * Places panels left to right, `width` columns each, wrapping at Grafana's 24 columns, and numbers
 * them, so ids are unique and no two panels overlap.
 */
export class Grid {
  #x = 0;
  #y = 0;
  #rowHeight = 0;
  #id = 0;

  next(width: number, height: number): { id: number; gridPos: GridPos } {
    if (this.#x + width > 24) {
      this.#x = 0;
      this.#y += this.#rowHeight;
      this.#rowHeight = 0;
    }
    const gridPos = { x: this.#x, y: this.#y, w: width, h: height };
    this.#x += width;
    this.#rowHeight = Math.max(this.#rowHeight, height);
    return { id: ++this.#id, gridPos };
  }
}

export function timeseries(grid: Grid, title: string, unit: string, queries: readonly Query[], width = 12, height = 8): TimeseriesBuilder {
  const { id, gridPos } = grid.next(width, height);
  const panel = new TimeseriesBuilder().id(id).gridPos(gridPos).title(title).unit(unit).datasource(DATASOURCE);
  queries.forEach((q, i) => {
    panel.withTarget(
      new DataqueryBuilder()
        .datasource(DATASOURCE)
        .refId(String.fromCharCode(65 + i))
        .expr(q.expr)
        .legendFormat(q.legend),
    );
  });
  return panel;
}

/** A multi-value template variable from a label's values. */
export function labelVariable(name: string, label: string, metricSelector: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query({ query: `label_values(${metricSelector}, ${name})`, refId: `${name}-values` })
    .definition(`label_values(${metricSelector}, ${name})`)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .multi(true)
    .includeAll(true)
    .allValue('.*');
}

/** Marks every injected fault on the time axis, from the sim controller's counter. */
export function faultAnnotation(): AnnotationQueryBuilder {
  return new AnnotationQueryBuilder()
    .name('Faults')
    .datasource(DATASOURCE)
    .enable(true)
    .iconColor('red')
    .expr('sum by (action) (increase(sim_fault_events_total[$__interval])) > 0')
    .titleFormat('fault: {{action}}')
    .step('5s');
}

/** The settings every relay-sim dashboard shares: uid, tag, 5 s refresh, last 15 minutes. */
export function relaySimDashboard(title: string, uid: string): DashboardBuilder {
  return new DashboardBuilder(`relay-sim / ${title}`).uid(uid).tags(['relay-sim']).refresh('5s').time({ from: 'now-15m', to: 'now' });
}
