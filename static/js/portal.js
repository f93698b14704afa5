// Progressive enhancement only: every page works without this script.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector("[data-nav-toggle]");
  const nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", () => {
      const open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
});

// Registration form: show only the identifiers that concern the chosen kind of organization.
document.addEventListener("DOMContentLoaded", () => {
  const kindInputs = document.querySelectorAll('input[name="kind"]');
  const specific = document.querySelectorAll("[data-kinds]");
  if (!kindInputs.length || !specific.length) return;
  const update = () => {
    const chosen = document.querySelector('input[name="kind"]:checked');
    specific.forEach((input) => {
      const field = input.closest(".field");
      if (!field) return;
      const show = !chosen || input.dataset.kinds.split(" ").includes(chosen.value);
      field.hidden = !show && !field.classList.contains("field-invalid") && !input.value;
    });
  };
  kindInputs.forEach((input) => input.addEventListener("change", update));
  update();
});
