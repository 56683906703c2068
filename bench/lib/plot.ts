/**
 * Line charts on the bench's own raster: a grid of panels, each with axes,
 * ticks, a legend and one polyline per series.
 */
import { Raster, type Rgb } from './png.js';

export interface Series {
  readonly label: string;
  readonly color: Rgb;
  readonly points: ReadonlyArray<readonly [number, number]>;
  readonly dashed?: boolean;
}

export interface Panel {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xLog?: boolean;
  /** Fixed x ticks (e.g. the connection counts); otherwise nice linear ticks. */
  readonly xTicks?: readonly number[];
  readonly yFromZero?: boolean;
  readonly series: readonly Series[];
}

export const COLORS: Record<string, Rgb> = {
  blue: [31, 119, 180],
  orange: [230, 120, 20],
  green: [44, 160, 44],
  red: [214, 39, 40],
  purple: [148, 103, 189],
  grey: [120, 120, 120],
};

const INK: Rgb = [30, 30, 30];
const GRID: Rgb = [215, 215, 215];

/** 1234 -> "1234", 15000 -> "15K", 2500000 -> "2.5M". */
export function compact(v: number): string {
  const a = Math.abs(v);
  const trim = (x: number) => String(Number(x.toPrecision(3)));
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e4) return `${trim(v / 1e3)}K`;
  return trim(v);
}

function niceTicks(min: number, max: number, count = 5): number[] {
  if (max <= min) max = min + 1;
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function drawPanel(r: Raster, px: number, py: number, pw: number, ph: number, panel: Panel): void {
  const left = px + 70;
  const right = px + pw - 15;
  const top = py + 40;
  const bottom = py + ph - 55;
  r.text(px + Math.max(0, (pw - Raster.textWidth(panel.title, 2)) / 2), py + 10, panel.title, INK, 2);

  const all = panel.series.flatMap((s) => s.points);
  if (all.length === 0) {
    r.text(left + 20, top + 40, 'no data', INK, 2);
    return;
  }
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const fx = panel.xLog ? (v: number) => Math.log2(Math.max(v, 1e-9)) : (v: number) => v;
  let xMin = Math.min(...xs);
  let xMax = Math.max(...xs);
  if (panel.xTicks && panel.xTicks.length > 0) {
    xMin = Math.min(xMin, ...panel.xTicks);
    xMax = Math.max(xMax, ...panel.xTicks);
  }
  if (xMax === xMin) xMax = xMin + 1;
  // A linear axis that almost starts at zero starts at zero (the first sample is a few ms in).
  if (!panel.xLog && xMin > 0 && xMin < 0.05 * (xMax - xMin)) xMin = 0;
  let yMin = panel.yFromZero === false ? Math.min(...ys) : 0;
  let yMax = Math.max(...ys);
  if (yMax === yMin) yMax = yMin + 1;
  const yTicks = niceTicks(yMin, yMax * 1.05);
  yMin = Math.min(yMin, yTicks[0]!);
  yMax = Math.max(yMax, yTicks[yTicks.length - 1]!);

  const X = (v: number) => left + ((fx(v) - fx(xMin)) / (fx(xMax) - fx(xMin))) * (right - left);
  const Y = (v: number) => bottom - ((v - yMin) / (yMax - yMin)) * (bottom - top);

  for (const t of yTicks) {
    const y = Y(t);
    r.dashed(left, y, right, y, GRID);
    const label = compact(t);
    r.text(left - 6 - Raster.textWidth(label), y - 3, label, INK);
  }
  const xTicks = panel.xTicks ?? niceTicks(xMin, xMax);
  for (const t of xTicks) {
    const x = X(t);
    r.dashed(x, top, x, bottom, GRID);
    const label = compact(t);
    r.text(x - Raster.textWidth(label) / 2, bottom + 6, label, INK);
  }
  r.line(left, bottom, right, bottom, INK);
  r.line(left, top, left, bottom, INK);
  r.text(left + (right - left - Raster.textWidth(panel.xLabel)) / 2, bottom + 22, panel.xLabel, INK);
  r.text(px + 6, top + (bottom - top + Raster.textWidth(panel.yLabel)) / 2, panel.yLabel, INK, 1, true);

  for (const s of panel.series) {
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < pts.length; i++) {
      const [a, b] = [pts[i - 1]!, pts[i]!];
      if (s.dashed) r.dashed(X(a[0]), Y(a[1]), X(b[0]), Y(b[1]), s.color, 6);
      else r.line(X(a[0]), Y(a[1]), X(b[0]), Y(b[1]), s.color, 2);
    }
    if (pts.length <= 40) for (const p of pts) r.rect(X(p[0]) - 2, Y(p[1]) - 2, 5, 5, s.color);
  }
  // Legend below the x label.
  let lx = left;
  for (const s of panel.series) {
    r.rect(lx, bottom + 38, 12, 7, s.color);
    r.text(lx + 16, bottom + 38, s.label, INK);
    lx += 16 + Raster.textWidth(s.label) + 18;
  }
}

/** Panels laid out in `columns` columns, each panelWidth x panelHeight pixels. */
export function plotPng(panels: readonly Panel[], columns = 2, panelWidth = 560, panelHeight = 360): Buffer {
  const rows = Math.ceil(panels.length / columns);
  const r = new Raster(panelWidth * Math.min(columns, panels.length), panelHeight * rows);
  panels.forEach((p, i) => drawPanel(r, (i % columns) * panelWidth, Math.floor(i / columns) * panelHeight, panelWidth, panelHeight, p));
  return r.png();
}
