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
