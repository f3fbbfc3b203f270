/* Small behaviour for every page: the account menu closes on Escape and on a tap outside it. */
(function () {
  "use strict";
  var menus = document.querySelectorAll("details.account");
  if (!menus.length) { return; }
  document.addEventListener("click", function (event) {
    menus.forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) { menu.open = false; }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    menus.forEach(function (menu) {
      if (menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
    });
  });
})();
