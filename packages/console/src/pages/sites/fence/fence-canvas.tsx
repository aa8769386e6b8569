/**
 * The geofence canvas: a plain SVG coordinate plane (a metre grid, optionally map tiles
 * behind it) with the fence being edited, the site's devices and its recent located
 * clock-ins. Drawing: in circle mode press at the centre and drag out the radius; in
 * polygon mode click each vertex and click the first one again (or "finish") to close;
 * in pan mode drag to move the view. The numbers are edited beside it (fence-shape-form).
 * SVG is a drawing surface, not a form widget: every value drawn can also be typed.
 */
import { type PointerEvent as ReactPointerEvent, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Geofence, LatLng } from '../types';
import {
  distanceMeters,
  gridStep,
  roundMeters,
  type Size,
  tileCorner,
  tileOf,
  tileUrl,
  tileZoom,
  toLatLng,
  toPixel,
  type View,
} from './geo';
import type { PlottedClockIn, PlottedDevice } from './use-plot-points';

export const CANVAS: Size = { width: 800, height: 480 };
/** A click this close (px) to the first vertex closes the polygon. */
const CLOSE_PX = 10;

export type DrawMode = 'pan' | 'circle' | 'polygon';

export interface FenceCanvasProps {
  view: View;
  onView(v: View): void;
  mode: DrawMode;
  fence: Geofence | null;
  onFence(g: Geofence): void;
  /** Vertices of a polygon being drawn, not closed yet. */
  pending: LatLng[];
  onPending(p: LatLng[]): void;
  devices: PlottedDevice[];
  clockIns: PlottedClockIn[];
  tileTemplate: string;
}

export function FenceCanvas(p: FenceCanvasProps) {
  const { t } = useTranslation();
  const svg = useRef<SVGSVGElement>(null);
  const drag = useRef<{ kind: 'pan'; x: number; y: number; view: View } | { kind: 'circle'; center: LatLng }>(
    null,
  );
  const px = (q: LatLng) => toPixel(q, p.view, CANVAS);

  /** The pointer's position in the SVG's own coordinates (it scales with the page). */
  const local = (e: ReactPointerEvent): { x: number; y: number } => {
    const m = svg.current?.getScreenCTM();
    if (!m) return { x: 0, y: 0 };
    const pt = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
    return { x: pt.x, y: pt.y };
  };

  const down = (e: ReactPointerEvent<SVGSVGElement>) => {
    if (e.button !== 0) return;
    const { x, y } = local(e);
    if (p.mode === 'pan') {
      drag.current = { kind: 'pan', x, y, view: p.view };
    } else if (p.mode === 'circle') {
      const center = toLatLng(x, y, p.view, CANVAS);
      drag.current = { kind: 'circle', center };
      p.onFence({ type: 'circle', center, radiusMeters: Math.max(1, roundMeters(p.view.metersPerPixel)) });
    } else {
      const first = p.pending[0];
      if (first && p.pending.length >= 3) {
        const f = px(first);
        if (Math.hypot(f.x - x, f.y - y) <= CLOSE_PX) {
          p.onFence({ type: 'polygon', points: p.pending });
          p.onPending([]);
          return;
        }
      }
      const q = toLatLng(x, y, p.view, CANVAS);
      const last = p.pending[p.pending.length - 1];
      // A double click adds one vertex: the API refuses a point repeated right after itself.
      if (!last || last.lat !== q.lat || last.lng !== q.lng) p.onPending([...p.pending, q]);
      return;
    }
    e.currentTarget.setPointerCapture(e.pointerId);
  };

  const move = (e: ReactPointerEvent<SVGSVGElement>) => {
    const d = drag.current;
    if (!d) return;
    const { x, y } = local(e);
    if (d.kind === 'pan') {
      const c = toPixel(d.view.center, d.view, CANVAS);
      p.onView({ ...d.view, center: toLatLng(c.x - (x - d.x), c.y - (y - d.y), d.view, CANVAS) });
    } else {
      const r = roundMeters(distanceMeters(d.center, toLatLng(x, y, p.view, CANVAS)));
      p.onFence({ type: 'circle', center: d.center, radiusMeters: Math.max(1, r) });
    }
  };

  const up = () => {
    drag.current = null;
  };

  const step = gridStep(p.view.metersPerPixel);
  const stepPx = step / p.view.metersPerPixel;
  const lines: number[] = [];
  for (let i = -Math.ceil(CANVAS.width / stepPx); i <= Math.ceil(CANVAS.width / stepPx); i++) lines.push(i);

  return (
    <svg
      ref={svg}
      viewBox={`0 0 ${CANVAS.width} ${CANVAS.height}`}
      role="application"
      aria-label={t('sites.fence.canvas')}
      data-testid="fence-canvas"
      data-center-lat={p.view.center.lat}
      data-center-lng={p.view.center.lng}
      data-meters-per-pixel={p.view.metersPerPixel}
      style={{
        width: '100%',
        maxWidth: CANVAS.width,
        aspectRatio: `${CANVAS.width} / ${CANVAS.height}`,
        border: '1px solid #d9d9d9',
        background: '#fafafa',
        cursor: p.mode === 'pan' ? 'grab' : 'crosshair',
        touchAction: 'none',
        userSelect: 'none',
        display: 'block',
      }}
      onPointerDown={down}
      onPointerMove={move}
      onPointerUp={up}
      onPointerCancel={up}
    >
      {p.tileTemplate ? <Tiles view={p.view} template={p.tileTemplate} /> : null}
      <g stroke="#e5e5e5" strokeWidth={1}>
        {lines.map((i) => (
          <line
            key={`v${i}`}
            x1={CANVAS.width / 2 + i * stepPx}
            x2={CANVAS.width / 2 + i * stepPx}
            y1={0}
            y2={CANVAS.height}
          />
        ))}
        {lines.map((i) => (
          <line
            key={`h${i}`}
            y1={CANVAS.height / 2 + i * stepPx}
            y2={CANVAS.height / 2 + i * stepPx}
            x1={0}
            x2={CANVAS.width}
          />
        ))}
      </g>
      <FenceShape fence={p.fence} px={px} metersPerPixel={p.view.metersPerPixel} />
      {p.pending.length > 0 ? (
        <g data-testid="fence-pending">
          <polyline
            points={p.pending.map((q) => `${px(q).x},${px(q).y}`).join(' ')}
            fill="none"
            stroke="#fa8c16"
            strokeWidth={2}
            strokeDasharray="6 4"
          />
          <path d={dots(p.pending.map(px), 4)} fill="#fa8c16" />
          <path d={dots([px(p.pending[0]!)], 6)} fill="#fa8c16" />
        </g>
      ) : null}
      {p.clockIns.map((c) => (
        <circle
          key={c.id}
          cx={px(c).x}
          cy={px(c).y}
          r={3}
          fill={c.outside ? '#f5222d' : '#52c41a'}
          data-testid="plot-clock-in"
        >
          <title>{`${c.label} ${c.recordTime}`}</title>
        </circle>
      ))}
      {p.devices.map((d) => (
        <g key={d.sn} data-testid="plot-device">
          <rect
            x={px(d).x - 6}
            y={px(d).y - 6}
            width={12}
            height={12}
            fill={d.online ? '#1f6feb' : '#8c8c8c'}
          />
          <text x={px(d).x + 9} y={px(d).y + 4} fontSize={11} fill="#333">
            {d.sn}
          </text>
          <title>{d.sn}</title>
        </g>
      ))}
      <g transform={`translate(12 ${CANVAS.height - 16})`}>
        <line x1={0} x2={stepPx} y1={0} y2={0} stroke="#333" strokeWidth={2} />
        <text x={stepPx + 6} y={4} fontSize={11} fill="#333">
          {t('sites.fence.scale', { meters: step })}
        </text>
      </g>
    </svg>
  );
}

/** Dots at the given pixels as one path (vertices may repeat while drawing: no keys needed). */
function dots(at: { x: number; y: number }[], r: number): string {
  return at
    .map(({ x, y }) => `M${x - r},${y}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`)
    .join('');
}

function FenceShape({
  fence,
  px,
  metersPerPixel,
}: {
  fence: Geofence | null;
  px: (q: LatLng) => { x: number; y: number };
  metersPerPixel: number;
}) {
  if (!fence) return null;
  const style = { fill: 'rgba(31,111,235,0.15)', stroke: '#1f6feb', strokeWidth: 2 };
  if (fence.type === 'circle') {
    const c = px(fence.center);
    return (
      <g data-testid="fence-shape">
        <circle cx={c.x} cy={c.y} r={fence.radiusMeters / metersPerPixel} {...style} />
        <circle cx={c.x} cy={c.y} r={3} fill="#1f6feb" />
      </g>
    );
  }
  return (
    <g data-testid="fence-shape">
      <polygon points={fence.points.map((q) => `${px(q).x},${px(q).y}`).join(' ')} {...style} />
      <path d={dots(fence.points.map(px), 4)} fill="#1f6feb" />
    </g>
  );
}

/** Map tiles under the grid, each placed by its projected corners (a setting; off by default). */
function Tiles({ view, template }: { view: View; template: string }) {
  const z = tileZoom(view);
  const nw = tileOf(toLatLng(0, 0, view, CANVAS), z);
  const se = tileOf(toLatLng(CANVAS.width, CANVAS.height, view, CANVAS), z);
  const tiles: { x: number; y: number }[] = [];
  for (let x = Math.floor(nw.x); x <= Math.floor(se.x); x++)
    for (let y = Math.floor(nw.y); y <= Math.floor(se.y); y++) tiles.push({ x, y });
  if (tiles.length > 64) return null; // a view far out of scale: the grid alone
  return (
    <g data-testid="fence-tiles">
      {tiles.map(({ x, y }) => {
        const a = toPixel(tileCorner(x, y, z), view, CANVAS);
        const b = toPixel(tileCorner(x + 1, y + 1, z), view, CANVAS);
        return (
          <image
            key={`${z}/${x}/${y}`}
            href={tileUrl(template, z, x, y)}
            x={a.x}
            y={a.y}
            width={b.x - a.x}
            height={b.y - a.y}
            preserveAspectRatio="none"
          />
        );
      })}
    </g>
  );
}
