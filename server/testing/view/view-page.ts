/**
 * The live view's one page: markup and style only. Everything it shows is filled in by its
 * script (client/view-app.ts, served as /app.js) from the server's event stream. Nothing is
 * fetched from elsewhere, so it works offline.
 */

export function viewPage(options: { controls: boolean }): string {
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
  #status { color: #666; margin-left: 8px; font-weight: normal; }
  #shards { display: flex; gap: 12px; flex-wrap: wrap; }
  .shard { border: 1px solid #ccc; border-radius: 6px; padding: 6px; background: #fff; min-width: 220px; }
  .shard > .title { font-weight: 600; margin-bottom: 4px; }
  .card { border-left: 5px solid #3a3; padding: 4px 6px; margin: 4px 0; background: #fafafa; }
  .card.replica { margin-left: 14px; }
  .card.pfail { border-left-color: #e90; }
  .card.fail, .card.down { border-left-color: #d33; background: #fee; }
  .card.paused { border-left-color: #888; background: #eee; }
  .card .id { font-family: ui-monospace, monospace; color: #555; }
  .card .role { font-weight: 600; }
  .card .facts { color: #555; font-size: 12px; }
  .card button { font-size: 11px; margin: 2px 2px 0 0; }
  #slotmap { width: 100%; height: 28px; display: block; border: 1px solid #ccc; image-rendering: pixelated; }
  #slotinfo { color: #555; height: 18px; }
  #timeline { height: 320px; overflow-y: auto; background: #fff; border: 1px solid #ccc; font-family: ui-monospace, monospace; font-size: 12px; }
  #timeline div { padding: 1px 6px; border-bottom: 1px solid #f0f0f0; white-space: nowrap; }
  #timeline .t { color: #888; display: inline-block; width: 80px; }
  #timeline .n { color: #36c; display: inline-block; width: 60px; }
  #timeline a { color: inherit; }
  #explain { color: #444; min-height: 18px; }
  #controls { background: #fff; border: 1px solid #ccc; border-radius: 6px; padding: 6px; }
  #controls label { margin-right: 8px; }
  #links { border-collapse: collapse; font-size: 11px; background: #fff; }
  #links td, #links th { border: 1px solid #ddd; padding: 1px 4px; text-align: right; min-width: 28px; }
  #links td.live { background: #e6f4e6; }
  #links td.quiet { background: #f8d7d7; }
  #links td.self { background: #eee; }
  .legend span { display: inline-block; width: 10px; height: 10px; margin: 0 3px 0 10px; }
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
<h2>Topology</h2>
<div id="shards"></div>
<h2>Slot map <span id="coverage"></span></h2>
<canvas id="slotmap" width="1024" height="1"></canvas>
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
  <div>Move slot <input id="slot" size="6" value="0"> to <input id="slot-to" size="5" value="s1"> <button id="move">move</button></div>
  <div id="clock-controls">Virtual clock, now <span id="clock-now"></span>: <button data-advance="100">+100 ms</button> <button data-advance="1000">+1 s</button> <button id="next-event">to the next event</button></div>
  <div id="control-reply"></div>
</div>` : ''}
<h2>Timeline <span class="legend" id="legend"></span></h2>
<div id="redirects-line">Client redirects per second: <span id="redirects">none</span></div>
<div id="explain"></div>
<div id="timeline"></div>
<script src="/app.js"></script>
</body>
</html>
`;
}
