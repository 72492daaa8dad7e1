/**
 * The live view's one page: markup and style, plus the timeline's explanations as JSON (the
 * script cannot import them: event-explanations.ts). Everything it shows is filled in by its
 * script (client/view-app.ts and its modules, served under /app/) from the server's event
 * stream. Nothing is fetched from elsewhere, so it works offline.
 */
import { EXPLANATIONS } from './event-explanations';

export function viewPage(options: { controls: boolean }): string {
  // JSON inside <script> must not contain "</script>": every '<' is written as its escape.
  const explanations = JSON.stringify(EXPLANATIONS).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>hashslot cluster</title>
<style>
  :root { font: 13px/1.4 system-ui, sans-serif; color: #222; background: #f6f6f4; }
  body { margin: 0; padding: 12px 16px; }
  h1 { font-size: 16px; margin: 0 0 8px; }
  h2 { font-size: 13px; margin: 14px 0 6px; text-transform: uppercase; letter-spacing: .05em; color: #666; }
  h2 span { text-transform: none; letter-spacing: 0; font-weight: normal; }
  #status { color: #666; margin-left: 8px; font-weight: normal; }
  #topology { position: relative; }
  #replica-links { position: absolute; left: 0; top: 0; pointer-events: none; overflow: visible; }
  #replica-links path { fill: none; stroke-width: 2; }
  #replica-links path.up { stroke: #3a3; }
  #replica-links path.down { stroke: #d33; stroke-dasharray: 4 3; }
  #replica-links path.unknown { stroke: #999; stroke-dasharray: 2 3; }
  #shards { display: flex; gap: 12px; flex-wrap: wrap; }
  .shard { border: 1px solid #ccc; border-radius: 6px; padding: 6px; background: #fff; width: 470px; box-sizing: border-box; }
  .shard > .title { font-weight: 600; margin-bottom: 4px; }
  .card { border-left: 5px solid #3a3; padding: 4px 6px; margin: 4px 0; background: #fafafa; }
  .card.replica, .card.down { margin-left: 22px; }
  .card.pfail { border-left-color: #e90; }
  .card.fail, .card.down { border-left-color: #d33; background: #fee; }
  .card.paused { border-left-color: #888; background: #eee; }
  .card .id { font-family: ui-monospace, monospace; color: #555; }
  .card .role { font-weight: 600; }
  .card .facts { color: #555; font-size: 12px; }
  .card .flags { font-size: 11px; }
  .card .head, .card .flags, .card .facts { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .flag { display: inline-block; padding: 0 4px; margin: 1px 2px 1px 0; border-radius: 3px; background: #e8e8e8; font-family: ui-monospace, monospace; }
  .flag.pfail { background: #fde3b8; }
  .flag.fail { background: #f6c1c1; }
  .flag.own { background: #dde6f3; }
  .card button { font-size: 11px; margin: 2px 2px 0 0; }
  #slotmap { width: 100%; height: 36px; display: block; border: 1px solid #ccc; image-rendering: pixelated; background: #fff; }
  #slotinfo { color: #555; min-height: 18px; }
  #legend { color: #555; font-size: 12px; }
  #legend .swatch { display: inline-block; width: 10px; height: 10px; margin: 0 3px 0 8px; vertical-align: -1px; }
  #timeline { height: 320px; overflow-y: auto; background: #fff; border: 1px solid #ccc; font-family: ui-monospace, monospace; font-size: 12px; }
  #timeline div { padding: 1px 6px; border-bottom: 1px solid #f0f0f0; white-space: nowrap; }
  #timeline .t { color: #888; display: inline-block; width: 80px; }
  #timeline .n { color: #36c; display: inline-block; width: 60px; }
  #timeline a { color: inherit; }
  #explain { color: #444; min-height: 18px; }
  #controls { background: #fff; border: 1px solid #ccc; border-radius: 6px; padding: 6px; }
  #controls > div { margin: 3px 0; }
  #control-reply { font-family: ui-monospace, monospace; color: #333; }
  #control-reply.error { color: #b22; }
  #links { border-collapse: collapse; font-size: 11px; background: #fff; }
  #links td, #links th { border: 1px solid #ddd; padding: 1px 4px; text-align: right; min-width: 28px; }
  #links td.live { background: #e6f4e6; }
  #links td.quiet { background: #f8d7d7; }
  #links td.self { background: #eee; }
  #board { display: flex; gap: 8px; margin: 4px 0; }
  .side { flex: 1; min-height: 34px; border: 1px dashed #aaa; border-radius: 6px; padding: 4px; background: #fcfcfa; }
  .side b { display: block; font-size: 11px; color: #777; font-weight: normal; }
  .chip { display: inline-block; padding: 2px 8px; margin: 2px; border-radius: 10px; background: #dde6f3; cursor: grab; user-select: none; touch-action: none; }
  .chip.dragging { cursor: grabbing; box-shadow: 0 2px 6px rgba(0,0,0,.3); position: relative; z-index: 2; }
  #redirects-line { color: #555; }
</style>
</head>
<body data-controls="${options.controls ? 'on' : 'off'}">
<h1>hashslot cluster <span id="status">connecting…</span></h1>
<h2>Topology <span>(each card: the node's own flags, then how its peers flag it; lines: replica → primary, green while the replication link is up)</span></h2>
<div id="topology"><svg id="replica-links"></svg><div id="shards"></div></div>
<h2>Slot map <span id="coverage"></span></h2>
<canvas id="slotmap" width="1024" height="12"></canvas>
<div id="legend"></div>
<div id="slotinfo"></div>
<h2>Bus links <span id="links-note">(messages delivered per second, sender row → receiver column; red: two running nodes whose link went quiet)</span></h2>
<table id="links"></table>
${options.controls ? `<h2>Controls</h2>
<div id="controls">
  <div>Partition: drag nodes (or click them) into two groups, then cut between them on the
    <select id="partition-plane"><option>bus</option><option>all</option><option>clients</option></select> plane
    <button id="partition">cut</button>
    <div id="board"><div class="side" id="side-a"><b>group A</b></div><div class="side" id="side-b"><b>group B</b></div></div></div>
  <div>Drop bus messages: <select id="drop-type"><option>PING,PONG</option><option>FAIL</option><option>FAILOVER_AUTH_REQUEST,FAILOVER_AUTH_ACK</option><option>UPDATE</option><option>ALL</option></select>
    <button id="drop">drop</button> <button id="heal">heal all faults</button> <span id="faults"></span></div>
  <div>Move slot <input id="slot" size="6" value="0"> to <input id="slot-to" size="5" value="s1">
    <label><input type="checkbox" id="move-pause"> pause after the first step</label> <button id="move">move</button>
    <span id="open-slots"></span></div>
  <div id="clock-controls">Virtual clock, now <span id="clock-now"></span>: <button data-advance="100">+100 ms</button> <button data-advance="1000">+1 s</button> <button id="next-event">to the next event</button></div>
  <div id="control-reply"></div>
</div>` : ''}
<h2>Timeline</h2>
<div id="redirects-line">Client redirects per second: <span id="redirects">none</span></div>
<div id="explain"></div>
<div id="timeline"></div>
<script type="application/json" id="explanations">${explanations}</script>
<script type="module" src="/app/view-app.js"></script>
</body>
</html>
`;
}
