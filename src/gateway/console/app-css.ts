/**
 * The console's stylesheet (served as `console/app.css`): system fonts, no external resources.
 * @module
 */

/** @internal */
export const CONSOLE_CSS = `:root { --bg: #f5f6f8; --card: #fff; --ink: #1c2330; --muted: #667085; --line: #e3e6eb; --accent: #1677ff;
  --ok: #1a7f37; --bad: #c9252d; --warn: #b25e00; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Noto Sans CJK SC", sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); }
.top { display: flex; align-items: center; gap: 16px; padding: 10px 20px; background: #0f1b2d; color: #fff; flex-wrap: wrap; }
.top h1 { font-size: 16px; margin: 0 8px 0 0; }
.tabs { display: flex; gap: 4px; }
.tab { background: transparent; color: #c8d1e0; border: 0; padding: 6px 12px; border-radius: 6px; cursor: pointer; font: inherit; }
.tab[aria-selected="true"] { background: #24344d; color: #fff; }
.clock { margin-left: auto; display: flex; align-items: center; gap: 8px; }
.clock .muted { color: #9aa7bb; }
.clock input { width: 4.5em; }
.lang { background: #24344d; color: #fff; border: 1px solid #3a4d6b; }
button { font: inherit; padding: 5px 12px; border-radius: 6px; border: 1px solid var(--line); background: #fff; color: var(--ink); cursor: pointer; }
button:hover { border-color: var(--accent); }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
input, select, textarea { font: inherit; padding: 4px 6px; border: 1px solid var(--line); border-radius: 6px; }
textarea { width: 100%; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
.status { margin: 0; padding: 0 20px; min-height: 1.6em; color: var(--muted); }
.status.error { color: var(--bad); }
main { padding: 8px 20px 40px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 16px; margin-bottom: 16px; overflow: auto; }
.card h2 { font-size: 15px; margin: 0 0 8px; }
.card h3 { font-size: 13px; margin: 16px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.split { display: grid; grid-template-columns: minmax(280px, 1fr) 2fr; gap: 16px; align-items: start; }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 0 16px; }
.panels .wide { grid-column: 1 / -1; }
.muted { color: var(--muted); }
.timeline { list-style: none; margin: 0; padding: 0; max-height: 70vh; overflow: auto; }
.timeline li { display: grid; grid-template-columns: auto 1fr auto; gap: 2px 10px; padding: 8px; border-radius: 8px; border: 1px solid transparent; }
.timeline li.notification { cursor: pointer; }
.timeline li.notification:hover { border-color: var(--line); }
.timeline li.selected { background: #eef4ff; border-color: #b7d0ff; }
.timeline .when { color: var(--muted); font-variant-numeric: tabular-nums; font-size: 12px; grid-column: 1 / -1; }
.timeline .what { font-weight: 600; }
.timeline .sub { color: var(--muted); font-size: 12px; grid-column: 2; }
.tag { font-size: 11px; padding: 1px 6px; border-radius: 4px; background: #eef0f3; color: var(--muted); align-self: center; }
.badge { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #eef0f3; vertical-align: middle; font-weight: 500; }
.s-delivered, .s-success, .s-T, .s-S, .s-OK { background: #dcf5e3; color: var(--ok); }
.s-failed, .s-dropped, .s-F, .s-bad { background: #fde2e1; color: var(--bad); }
.s-pending, .s-held, .s-W, .s-sending, .s-interrupted { background: #fff1d6; color: var(--warn); }
.grid { border-collapse: collapse; width: 100%; font-size: 13px; }
.grid th, .grid td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
.grid th { color: var(--muted); font-weight: 500; white-space: nowrap; }
.grid td.num { text-align: right; font-variant-numeric: tabular-nums; }
.grid.kv td:first-child { color: var(--muted); white-space: nowrap; }
.grid.kv td.mono { max-width: 60em; word-break: break-all; }
.grid td { white-space: nowrap; }
.grid td.wrap, .grid.kv td { white-space: normal; }
.grid td.mono, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
pre { background: #f7f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 8px; white-space: pre-wrap; word-break: break-all; margin: 0; max-height: 16em; overflow: auto; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 8px; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; word-break: break-all; }
.actions { display: flex; gap: 8px; flex-wrap: wrap; margin: 8px 0; }
.verdict { margin-top: 6px; }
.verdict .cause { font-weight: 700; font-size: 15px; margin-right: 8px; padding: 2px 8px; border-radius: 6px; }
.verdict p { margin: 6px 0; }
.doctor label { display: block; margin: 10px 0; }
.doctor .row { display: flex; gap: 16px; align-items: flex-start; }
.doctor .grow { flex: 1; }
label.inline { display: inline-flex; align-items: center; gap: 4px; }
[hidden] { display: none !important; }
@media (max-width: 900px) { .split { grid-template-columns: 1fr; } }
`;
