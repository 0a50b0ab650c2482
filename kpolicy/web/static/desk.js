// kpolicy review desk: a little progressive enhancement; every page works without it.
// Served as a static file (the Content-Security-Policy allows no inline script).
(function () {
  "use strict";
  var page = document.body.getAttribute("data-page");

  function typing(target) {
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    return tag === "input" || tag === "textarea" || tag === "select" || (target && target.isContentEditable);
  }

  function click(id) {
    var el = document.getElementById(id);
    if (el) { el.click(); return true; }
    return false;
  }

  function follow(id) {
    var el = document.getElementById(id);
    if (el && el.href) { window.location.assign(el.href); return true; }
    return false;
  }

  if (page === "review") {
    document.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) { return; }
      var done = false;
      if (ev.key === "a") { done = click("accept"); }
      else if (ev.key === "r") {
        var reason = document.getElementById("review-reason");
        if (reason && !reason.value) { reason.focus(); reason.placeholder = "why reject? then press Enter"; done = true; }
        else { done = click("reject"); }
      }
      else if (ev.key === "j") { done = follow("next"); }
      else if (ev.key === "k") { done = follow("prev"); }
      else if (ev.key === "e") {
        var date = document.getElementById("edit-date");
        if (date) { date.focus(); date.select(); done = true; }
      }
      if (done) { ev.preventDefault(); }
    });
    var reasonField = document.getElementById("review-reason");
    if (reasonField) {
      reasonField.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" && reasonField.value) { ev.preventDefault(); click("reject"); }
      });
    }
  }

  if (page === "story") {
    // Alt+Up / Alt+Down on a focused block presses its move buttons; after the reload the
    // moved block (?focus=N) gets the focus back, so a block can be walked up or down.
    var story = document.getElementById("story");
    var focus = story ? story.getAttribute("data-focus") : "";
    if (focus) {
      var target = document.querySelector('li.block[data-n="' + focus.replace(/[^0-9]/g, "") + '"]');
      if (target) { target.focus(); }
    }
    document.addEventListener("keydown", function (ev) {
      if (!ev.altKey || typing(ev.target)) { return; }
      var block = ev.target && ev.target.closest ? ev.target.closest("li.block") : null;
      if (!block) { return; }
      var button = null;
      if (ev.key === "ArrowUp") { button = block.querySelector("button.up"); }
      else if (ev.key === "ArrowDown") { button = block.querySelector("button.down"); }
      if (button && !button.disabled) { ev.preventDefault(); button.click(); }
    });
  }

  if (page === "source") {
    var text = document.getElementById("source-text");
    var quote = document.getElementById("add-quote");
    if (text && quote) {
      document.addEventListener("selectionchange", function () {
        var sel = window.getSelection();
        if (!sel || sel.rangeCount === 0 || sel.isCollapsed) { return; }
        var range = sel.getRangeAt(0);
        if (text.contains(range.commonAncestorContainer)) {
          quote.value = sel.toString();
        }
      });
    }
  }
  // The live view (kpolicy.web.live): poll the change number; say when others changed things
  // since this page was loaded, and hold back a write on an event that changed meanwhile.
  var since = document.body.getAttribute("data-change");
  var banner = document.getElementById("live");
  if (since && banner && window.fetch) {
    var panel = document.querySelector("article.event[data-event]");
    var eventId = panel ? panel.getAttribute("data-event") : "";
    var poll = function (then) {
      var url = "/live.json?since=" + encodeURIComponent(since) + (eventId ? "&event=" + encodeURIComponent(eventId) : "");
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) { if (d) { show(d); } if (then) { then(d); } })
        .catch(function () { if (then) { then(null); } });
    };
    var show = function (d) {
      if (!d.changes || !d.changes.length) { return; }
      var who = [];
      d.changes.forEach(function (c) { if (who.indexOf(c.by) < 0) { who.push(c.by); } });
      var n = d.changes.length;
      var text = (d.event_changed
        ? "Event #" + eventId + " was changed by " + d.event_changed_by.join(", ") + " since you loaded this page: reload it before you change it. "
        : n + (n >= 20 ? "+" : "") + " new change" + (n === 1 ? "" : "s") + " since this page was loaded, by " + who.join(", ") + ". ");
      banner.textContent = text;
      var link = document.createElement("a");
      link.href = window.location.href;
      link.id = "live-reload";
      link.textContent = "Reload";
      banner.appendChild(link);
      banner.className = d.event_changed ? "live stale" : "live";
      banner.hidden = false;
    };
    window.setInterval(poll, 5000);
    if (eventId) {
      document.addEventListener("submit", function (ev) {
        var form = ev.target;
        if (!form || (form.getAttribute("method") || "").toLowerCase() !== "post" || form.getAttribute("data-live-checked") === "1") { return; }
        ev.preventDefault();
        var submitter = ev.submitter || null;
        poll(function (d) {
          if (d && d.event_changed) { banner.scrollIntoView(); return; }
          form.setAttribute("data-live-checked", "1");
          if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
        });
      });
    }
  }
})();
