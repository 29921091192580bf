"""Page CSS. The ``projector`` class is the workshop layout: large type and big targets that
read from the back of a room."""

CSS = """
.kpis { display: flex; flex-wrap: wrap; gap: 0.4em 1.6em; margin: 0.2em 0 0.6em 0; }
.kpi .v { font-size: 1.9em; font-weight: 600; line-height: 1.1; }
.kpi .l { font-size: 0.85em; color: #555; }
.control-label { font-size: 0.9em; color: #333; margin-top: 0.4em; }
.projector .control-label { font-size: 1.1rem; }
.network-panel svg { max-height: 64vh; }
.legend { font-size: 0.9em; line-height: 1.9; }
.network-view polygon.hawk, .network-view circle { cursor: help; }
.notice { font-size: 1.15em; border-left: 6px solid #E69F00; padding: 0.4em 0.8em; background: #fff8e6;
          margin: 0.4em 0; }
.projector { font-size: 1.3rem; }
.projector .kpi .v { font-size: 2.4em; }
.projector .notice { font-size: 1.5rem; }
.projector .v-btn { font-size: 1.1rem !important; }
.v-btn.big { height: 3.2em !important; padding: 0 1.4em !important; font-size: 1.15rem !important; }
.projector h1 { font-size: 2.4rem; } .projector h2 { font-size: 1.9rem; } .projector h3 { font-size: 1.5rem; }
.projector .v-label, .projector .v-select__selection, .projector .v-input input { font-size: 1.15rem !important; }
.projector .v-tab { font-size: 1.15rem !important; }
table.ranking { border-collapse: collapse; font-size: 1.1em; }
table.ranking td, table.ranking th { padding: 0.25em 0.9em; border-bottom: 1px solid #ddd; text-align: right; }
table.ranking td:nth-child(2), table.ranking th:nth-child(2) { text-align: left; }
table.summary td:first-child, table.summary th:first-child { text-align: left; }
.chips { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
.chip { display: inline-block; min-width: 2.1em; text-align: center; border-radius: 6px; padding: 0.1em 0.3em;
        color: white;
        font-weight: 600; }
.chip.c { background: #27ae60; } .chip.d { background: #c0392b; } .chip.m { outline: 3px dashed #222; }
.score { font-size: 2.2em; font-weight: 700; }
.chips .who { width: 6.5em; display: inline-block; }
.history .chips + .chips { margin-top: 4px; }
table.matrix { border-collapse: collapse; font-size: 1.05em; margin: 0.3em 0; }
table.matrix td, table.matrix th { padding: 0.3em 0.9em; border: 1px solid #bbb; text-align: center; }
.story-text { font-size: 1.25rem; line-height: 1.4; display: block; margin: 0.2em 0 0.4em 0; }
.chapter h2 { margin: 0.2em 0; }
.chapter-nav .v-btn { text-transform: none !important; font-size: 0.95rem !important; }
.chapter .v-btn { text-transform: none !important; }
.partner-line { font-size: 1.3rem; font-weight: 600; margin: 0.3em 0; }
.reveal { font-size: 1.3rem; border-left: 6px solid #005EB8; background: #eef5fc; padding: 0.4em 0.8em;
          margin: 0.5em 0; }
.round-text, .lesson, .payoff-note { font-size: 1.2rem; display: block; margin: 0.3em 0; }
.payoff-note { color: #8a5a00; }
.busy { font-size: 1.15rem; color: #444; }
table.beat-grid { border-collapse: collapse; font-size: 0.95em; }
table.beat-grid td, table.beat-grid th { padding: 0.2em 0.5em; border: 1px solid #ddd; text-align: center; }
table.beat-grid th { font-weight: 600; font-size: 0.85em; }
table.beat-grid td.won { background: #d5f0dd; } table.beat-grid td.lost { background: #f8d7d3; }
table.beat-grid td.draw { background: #eee; } table.beat-grid td.self { background: #fafafa; }
.projector .network-panel svg { max-height: 52vh; }
.compare-results.stale .compare-answers, .compare-results.stale .compare-summary,
.compare-results.stale .compare-caption, .compare-results.stale .compare-figure { opacity: 0.4; filter: grayscale(1); }
.robust-results.stale .robust-answer-box, .robust-results.stale .robust-caption { opacity: 0.4; filter: grayscale(1); }
table.robust-answer { font-size: 0.95em; }
table.robust-answer td, table.robust-answer th { text-align: left; vertical-align: top; }
ul.answers { font-size: 1.1em; margin: 0.4em 0; }
table.caption { font-size: 0.9em; border-collapse: collapse; margin: 0.4em 0; }
table.caption th { text-align: left; padding: 0.1em 1em 0.1em 0; color: #444; font-weight: 600; vertical-align: top; }
table.caption td { padding: 0.1em 0; }
.lever-column { max-height: calc(100vh - 140px); overflow-y: auto; padding-right: 4px; }
.mode-toggle { margin-left: auto; }
.mode-toggle .v-btn { font-size: 0.85rem !important; height: 32px !important; }
.chapter-nav .v-btn { font-size: 0.85rem !important; padding: 0 0.6em !important; letter-spacing: 0 !important; }
.chapter-side .notice { font-size: 1.2rem; }
.chapter .v-btn.big { height: 2.6em !important; }
.chapter h2 { font-size: 1.7rem; }
.kpi-row.compact .kpi .v, .projector .kpi-row.compact .kpi .v { font-size: 1.3em; }
.kpi-row.compact .kpis { margin: 0; gap: 0.2em 1.2em; }
.chapter .one-run { font-size: 0.85rem; }
.kpi-row.compact .kpi .l { font-size: 0.75em; }
.chapter .network-panel svg { max-height: 46vh; }
.chapter .legend { font-size: 0.8em; line-height: 1.6; }
.one-run { font-size: 0.95rem; color: #555; margin: 0.2em 0; }
.chapter .scenario-button { height: 2.4em !important; }
.chapter table.beat-grid { font-size: 0.7em; }
.chapter table.ranking { font-size: 0.75em; }
.chapter table.ranking td, .chapter table.ranking th { padding: 0.2em 0.5em; }
"""
