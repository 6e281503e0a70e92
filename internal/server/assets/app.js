// Storyline UI: the split and merge controls of an event page. The token
// is asked for once and kept in this tab's session storage only.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var box = document.querySelector(".controls");
    if (!box) return;
    var ev = box.getAttribute("data-event");
    var tok = document.getElementById("token");
    var msg = document.getElementById("ctl-msg");
    tok.value = sessionStorage.getItem("storyline-token") || "";
    function post(url, body) {
      sessionStorage.setItem("storyline-token", tok.value);
      msg.textContent = "Working…";
      return fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Authorization": "Bearer " + tok.value },
        body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().then(function (j) {
          if (!r.ok) throw new Error(j.error || r.statusText);
          return j;
        });
      }).catch(function (e) { msg.textContent = "Refused: " + e.message; throw e; });
    }
    var note = document.getElementById("note");
    document.getElementById("split").addEventListener("click", function () {
      var ids = Array.prototype.map.call(document.querySelectorAll("input[name=split]:checked"), function (c) { return c.value; });
      if (!ids.length) { msg.textContent = "Check the articles to move first."; return; }
      post("/api/events/" + encodeURIComponent(ev) + "/split", { articles: ids, note: note.value }).then(function (c) {
        location.href = "/events/" + encodeURIComponent(c.new_event);
      });
    });
    document.getElementById("merge").addEventListener("click", function () {
      var ids = document.getElementById("merge-ids").value.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
      if (!ids.length) { msg.textContent = "Name the events to merge in."; return; }
      post("/api/events/merge", { events: [ev].concat(ids), note: note.value }).then(function () { location.reload(); });
    });
  });
})();
