/* The household visit page: the floating population's dates are shown only when the residence type is not
 * "registered" (户籍), and a form with an error is scrolled into view. Without this script every field shows. */
(function () {
  "use strict";
  var DATES = ["arrival_date", "registered_on", "permit_expires_on"];

  function fieldsOf(form) {
    return DATES.map(function (name) {
      var input = form.querySelector("input[name$='-" + name + "']");
      return input ? input.closest(".field") : null;
    }).filter(Boolean);
  }

  function sync(form, select) {
    var floating = select.value !== "registered";
    fieldsOf(form).forEach(function (field) {
      var hasValue = !!field.querySelector("input").value;
      var hasError = field.classList.contains("has-error");
      field.hidden = !(floating || hasValue || hasError);
    });
  }

  document.querySelectorAll(".visit form").forEach(function (form) {
    var select = form.querySelector("select[name$='-residence_type']");
    if (!select) { return; }
    sync(form, select);
    select.addEventListener("change", function () { sync(form, select); });
  });

  var firstError = document.querySelector(".visit details[open] .error");
  if (firstError && firstError.scrollIntoView) { firstError.scrollIntoView({ block: "center" }); }
})();
