// The app's few behaviours that are not htmx, as listeners: the Content-Security-Policy
// allows no inline script. Texts come translated from the page's data attributes.
document.addEventListener("click", function (event) {
  var print = event.target.closest("[data-print]");
  if (print) {
    window.print();
    return;
  }
  var checkin = event.target.closest("[data-checkin]");
  if (!checkin) return;
  var status = document.getElementById("checkin-status");
  if (!navigator.geolocation) {
    status.textContent = checkin.dataset.unsupported;
    return;
  }
  navigator.geolocation.getCurrentPosition(
    function (pos) {
      document.getElementById("id_checkin_latitude").value = pos.coords.latitude.toFixed(6);
      document.getElementById("id_checkin_longitude").value = pos.coords.longitude.toFixed(6);
      document.getElementById("id_checkin_accuracy").value = Math.round(pos.coords.accuracy);
      status.textContent = checkin.dataset.recorded + " ±" + Math.round(pos.coords.accuracy) + " m";
    },
    function () {
      status.textContent = checkin.dataset.failed;
    }
  );
});

// An open menu (the phone's 更多 sheet, the user menu) closes on a tap outside it or on Escape.
function closeMenus(except) {
  document.querySelectorAll("details.tabmore[open], details.usermenu[open]").forEach(function (menu) {
    if (menu !== except) menu.removeAttribute("open");
  });
}
document.addEventListener("click", function (event) {
  closeMenus(event.target.closest("details.tabmore, details.usermenu"));
});
document.addEventListener("keydown", function (event) {
  if (event.key === "Escape") closeMenus(null);
});

// A tick that could not reach the server (no signal in the car park) is undone and said so,
// so that what the page shows is what was saved.
document.addEventListener("htmx:sendError", function (event) {
  var box = event.detail.elt;
  if (!box.closest || !box.closest("#checklist") || box.type !== "checkbox") return;
  box.checked = !box.checked;
  var status = document.getElementById("checklist-status");
  status.innerHTML = "";
  var text = document.createElement("span");
  text.className = "late";
  text.textContent = status.dataset.offline;
  status.appendChild(text);
});

// The board: drag a card onto another column to move it there. The card's own move form
// does the work (htmx posts it and swaps the board back), so the rules, the refusal of a
// gated stage and the stale-edit check are the same as with its menu.
document.addEventListener("dragstart", function (event) {
  var card = event.target.closest && event.target.closest(".pcard[draggable]");
  if (!card) return;
  event.dataTransfer.setData("text/plain", card.id);
  event.dataTransfer.effectAllowed = "move";
  card.classList.add("dragging");
});
document.addEventListener("dragend", function (event) {
  var card = event.target.closest && event.target.closest(".pcard");
  if (card) card.classList.remove("dragging");
  document.querySelectorAll(".column.drop-target").forEach(function (c) {
    c.classList.remove("drop-target");
  });
});
document.addEventListener("dragover", function (event) {
  var column = event.target.closest && event.target.closest(".column[data-stage]");
  if (!column) return;
  event.preventDefault();
  column.classList.add("drop-target");
});
document.addEventListener("dragleave", function (event) {
  var column = event.target.closest && event.target.closest(".column[data-stage]");
  if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
});
document.addEventListener("drop", function (event) {
  var column = event.target.closest && event.target.closest(".column[data-stage]");
  if (!column) return;
  event.preventDefault();
  column.classList.remove("drop-target");
  var card = document.getElementById(event.dataTransfer.getData("text/plain"));
  if (!card || column.contains(card)) return;
  var form = card.querySelector("form.move");
  form.querySelector("select[name=stage]").value = column.dataset.stage;
  form.requestSubmit();
});

// Suggestions under a search box close on a tap elsewhere or on Escape.
document.addEventListener("click", function (event) {
  document.querySelectorAll(".suggest").forEach(function (box) {
    if (!box.parentElement.contains(event.target)) box.innerHTML = "";
  });
});
document.addEventListener("keydown", function (event) {
  if (event.key === "Escape") {
    document.querySelectorAll(".suggest").forEach(function (box) {
      box.innerHTML = "";
    });
  }
});

// The owner type-ahead (hospitals.forms.OwnerSearch): its search box asks the server for
// names as one types; the name tapped (or the first, on Enter) goes into the hidden input,
// whose change refilters the list. Typing alone filters nothing; an emptied box means
// everyone; leaving the box without a choice puts the chosen name back.
var ownerTimer;
function ownerPick(el) {
  return el && el.closest ? el.closest(".owner-pick") : null;
}
function ownerChoose(pick, pk, label) {
  var hidden = pick.querySelector("input[type=hidden]");
  var text = pick.querySelector("input[type=search]");
  text.value = label;
  text.dataset.label = label;
  text.setAttribute("aria-expanded", "false");
  pick.querySelector(".suggest").innerHTML = "";
  if (hidden.value === pk) return;
  hidden.value = pk;
  hidden.dispatchEvent(new Event("change", { bubbles: true }));
}
document.addEventListener("input", function (event) {
  var pick = ownerPick(event.target);
  if (!pick || event.target.type !== "search") return;
  var q = event.target.value.trim(), box = pick.querySelector(".suggest");
  clearTimeout(ownerTimer);
  if (!q) return ownerChoose(pick, "", "");
  ownerTimer = setTimeout(function () {
    var values = { q: q };
    if (pick.dataset.former) values.former = "1";
    if (pick.dataset.exclude) values.exclude = pick.dataset.exclude;
    htmx.ajax("GET", pick.dataset.url, { target: box, swap: "innerHTML", values: values })
      .then(function () { event.target.setAttribute("aria-expanded", "true"); });
  }, 200);
});
// the box's own change (on leaving it) is not a filter: only a choice is
document.addEventListener("change", function (event) {
  if (ownerPick(event.target) && event.target.type === "search") event.stopPropagation();
}, true);
document.addEventListener("click", function (event) {
  var hit = event.target.closest && event.target.closest(".owner-pick .suggest [data-pk]");
  if (hit) ownerChoose(ownerPick(hit), hit.dataset.pk, hit.dataset.label);
});
document.addEventListener("keydown", function (event) {
  var pick = ownerPick(event.target);
  if (!pick) return;
  var names = Array.from(pick.querySelectorAll(".suggest [data-pk]"));
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {  // through the names offered
    var at = names.indexOf(event.target) + (event.key === "ArrowDown" ? 1 : -1);
    if (!names.length) return;
    event.preventDefault();
    if (at < 0) pick.querySelector("input[type=search]").focus();
    else names[Math.min(at, names.length - 1)].focus();
    return;
  }
  if (event.key !== "Enter" || event.target.type !== "search") return;
  event.preventDefault();  // Enter picks; it does not submit the filters half typed
  if (names.length) ownerChoose(pick, names[0].dataset.pk, names[0].dataset.label);
});
document.addEventListener("focusout", function (event) {
  var pick = ownerPick(event.target);
  if (!pick || event.target.type !== "search" || pick.contains(event.relatedTarget)) return;
  if (event.target.value.trim()) event.target.value = event.target.dataset.label;
});

// A table wider than its card says that it scrolls sideways (and only then).
function markScrollingTables() {
  var hint = document.body.dataset.scrollHint || "";
  document.querySelectorAll(".table-wrap").forEach(function (wrap) {
    var table = wrap.querySelector("table");
    var wide = table && table.scrollWidth > wrap.clientWidth + 1;
    wrap.classList.toggle("scrolls", wide);
    wrap.dataset.hint = wide ? hint : "";
  });
}
document.addEventListener("DOMContentLoaded", markScrollingTables);
window.addEventListener("resize", markScrollingTables);
document.addEventListener("htmx:afterSettle", markScrollingTables);

// Nothing typed is lost by leaving: a form in the page with unsaved text asks before the
// page is left (the browser's own prompt), until it is submitted.
var TYPED = "textarea, input[type=text], input[type=number], input[type=date], " +
  "input[type=datetime-local], input[type=tel], input[type=email], input:not([type])";
var dirty = new Set();
document.addEventListener("input", function (event) {
  var form = event.target.closest && event.target.closest("main form[method=post]");
  if (form && event.target.matches(TYPED)) dirty.add(form);
});
document.addEventListener("submit", function (event) {
  dirty.delete(event.target);
});
window.addEventListener("beforeunload", function (event) {
  var open = Array.from(dirty).some(function (form) { return document.body.contains(form); });
  if (open) event.preventDefault();
});
