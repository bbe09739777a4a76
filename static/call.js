// The call form: after no answer or voicemail the next step is a retry, not the usual
// interval; after reaching the patient it is the agreed call. The nurse can still change it.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("call-form");
  if (!form) { return; }
  function pick(value) {
    var radio = form.querySelector("input[name='next'][value='" + value + "']");
    if (radio) { radio.checked = true; return true; }
    return false;
  }
  form.querySelectorAll("input[name='outcome']").forEach(function (outcome) {
    outcome.addEventListener("change", function () {
      var next = form.querySelector("input[name='next']:checked");
      var current = next ? next.value : "";
      if (outcome.value === "no_answer" || outcome.value === "voicemail") {
        if (current === "booked" || current === "") { pick("retry_today") || pick("retry_next"); }
      } else if (outcome.value === "reached" && current.indexOf("retry") === 0) {
        pick("booked");
      }
    });
  });
});
