// Similar agenda items, and the district's similar existing projects (the register), while
// a proposal is typed. Without script the form's "비슷한 의제 확인" button asks the server
// for the same lists.
(function () {
  "use strict";
  var form = document.getElementById("proposal-form");
  if (!form || !window.fetch) { return; }
  var list = document.getElementById("similar-list");
  var projectsBox = document.getElementById("similar-projects");
  var projectsList = document.getElementById("similar-projects-list");
  var title = form.querySelector("[name=title]");
  var description = form.querySelector("[name=description]");
  var endpoint = form.getAttribute("data-similar-url");
  var exclude = form.getAttribute("data-exclude");
  var timer = null;
  var lastQuery = "";

  function render(items) {
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title;
      var tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = item.status_label;
      li.appendChild(link);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(tag);
      list.appendChild(li);
    });
  }

  function renderProjects(projects) {
    projectsList.textContent = "";
    projects.forEach(function (project) {
      var li = document.createElement("li");
      li.textContent = project.title;
      if (project.unit) {
        var tag = document.createElement("span");
        tag.className = "tag";
        tag.textContent = project.unit;
        li.appendChild(document.createTextNode(" "));
        li.appendChild(tag);
      }
      projectsList.appendChild(li);
    });
    projectsBox.hidden = projects.length === 0;
  }

  function lookup() {
    var query = title.value.trim();
    if (query.length < 2) { render([]); renderProjects([]); lastQuery = ""; return; }
    var key = query + "\n" + description.value.trim().slice(0, 500);
    if (key === lastQuery) { return; }
    lastQuery = key;
    var params = new URLSearchParams({ title: query, description: description.value.slice(0, 500) });
    if (exclude) { params.set("exclude", exclude); }
    fetch(endpoint + "?" + params.toString(), { headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { items: [] }; })
      .then(function (data) {
        if (key === lastQuery) { render(data.items || []); renderProjects(data.projects || []); }
      })
      .catch(function () { /* offline: the check button still works */ });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookup, 350);
  }

  title.addEventListener("input", schedule);
  description.addEventListener("input", schedule);
}());
