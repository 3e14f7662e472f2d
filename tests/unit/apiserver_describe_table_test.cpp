#include <gtest/gtest.h>

#include "k8s/apiserver/table.hpp"
#include "tests/unit/apiserver_describe_fixtures.hpp"

namespace kelos::apiserver {
namespace {

using k8s::json;
using namespace std::chrono_literals;

k8s::time_point at(const char* rfc3339) { return *k8s::parse_time(rfc3339); }

const k8s::time_point now_ts = at("2026-11-23T12:00:00Z");

served_resource crd_resource(const json& doc) {
  auto crd = parse_crd(doc);
  EXPECT_TRUE(crd);
  return to_served_resources(*crd).front();
}

served_resource builtin(std::string_view group, std::string_view kind) {
  for (auto& r : served_builtins())
    if (r.info.group == group && r.info.kind == kind)
      return r;
  ADD_FAILURE() << "no builtin " << kind;
  return {};
}

std::vector<std::string> column_names(const served_resource& r) {
  std::vector<std::string> out;
  for (auto& c : table_columns(r))
    out.push_back(c.name);
  return out;
}

json task(const char* name, const char* phase) {
  json t = json::parse(R"({"apiVersion":"kelos.dev/v1alpha1","kind":"Task",
    "metadata":{"name":"","namespace":"default","uid":"u1","resourceVersion":"7",
                "creationTimestamp":"2026-11-23T11:55:00Z"},
    "spec":{"type":"claude-code","prompt":"fix it","branch":"feat-x","dependsOn":["a","b"],
            "credentials":{"type":"api-key","secretRef":{"name":"s"}}}})");
  t["metadata"]["name"] = name;
  if (phase)
    t["status"]["phase"] = phase;
  return t;
}

TEST(Table, TaskColumnsAndCells) {
  auto r = crd_resource(testing::task_crd());
  EXPECT_EQ(column_names(r),
            (std::vector<std::string>{"Name", "Type", "Phase", "Branch", "Depends On", "Age"}));
  auto cols = table_columns(r);
  EXPECT_EQ(cols[0].format, "name");
  EXPECT_EQ(cols[3].priority, 1);
  EXPECT_EQ(cols[5].type, "date");

  auto cells = table_cells(r, task("t1", "Running"), now_ts);
  EXPECT_EQ(json(cells), json::parse(R"(["t1","claude-code","Running","feat-x","[\"a\",\"b\"]","5m"])"));
  // Missing status: a null cell (kubectl prints it empty).
  auto pending = table_cells(r, task("t2", nullptr), now_ts);
  EXPECT_TRUE(pending[2].is_null());
}

TEST(Table, TaskSpawnerTypedCells) {
  auto r = crd_resource(testing::taskspawner_crd());
  EXPECT_EQ(column_names(r), (std::vector<std::string>{"Name", "Workspace", "Suspend", "Phase",
                                                       "Active", "Discovered", "Tasks", "Age"}));
  auto ts = json::parse(R"({"metadata":{"name":"sp","creationTimestamp":"2026-11-21T08:00:00Z"},
    "spec":{"suspend":false,"taskTemplate":{"workspaceRef":{"name":"ws"}}},
    "status":{"phase":"Running","activeTasks":2,"totalDiscovered":5,"totalTasksCreated":9.0}})");
  auto cells = table_cells(r, ts, now_ts);
  EXPECT_EQ(json(cells), json::parse(R"(["sp","ws",false,"Running",2,5,9,"2d4h"])"));
  // A wrong-typed value gives a null cell rather than garbage.
  ts["spec"]["suspend"] = "yes";
  EXPECT_TRUE(table_cells(r, ts, now_ts)[2].is_null());
}

TEST(Table, AgeAppendedWhenCrdDoesNotDefineIt) {
  auto doc = testing::task_crd();
  doc["spec"]["versions"][0]["additionalPrinterColumns"].erase(4);
  auto r = crd_resource(doc);
  auto cols = table_columns(r);
  ASSERT_EQ(cols.back().name, "Age");
  EXPECT_EQ(cols.back().type, "date");
  EXPECT_EQ(cols.size(), 6u);
  doc["spec"]["versions"][0].erase("additionalPrinterColumns");
  EXPECT_EQ(column_names(crd_resource(doc)), (std::vector<std::string>{"Name", "Age"}));
}

TEST(Table, ToTableShapeWithPartialObjectMetadata) {
  auto r = crd_resource(testing::task_crd());
  table_options opt;
  opt.now = now_ts;
  auto t = to_table(r, {task("a", "Succeeded"), task("b", "Failed")},
                    json{{"resourceVersion", "42"}, {"continue", "tok"}}, opt);
  EXPECT_EQ(t["kind"], "Table");
  EXPECT_EQ(t["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(t["metadata"], json::parse(R"({"resourceVersion":"42","continue":"tok"})"));
  ASSERT_EQ(t["columnDefinitions"].size(), 6u);
  EXPECT_EQ(t["columnDefinitions"][0]["name"], "Name");
  EXPECT_EQ(t["columnDefinitions"][0]["format"], "name");
  EXPECT_EQ(t["columnDefinitions"][3]["priority"], 1);
  ASSERT_EQ(t["rows"].size(), 2u);
  EXPECT_EQ(t["rows"][1]["cells"][2], "Failed");
  auto& obj = t["rows"][0]["object"];
  EXPECT_EQ(obj["kind"], "PartialObjectMetadata");
  EXPECT_EQ(obj["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(obj["metadata"]["name"], "a");
  EXPECT_EQ(obj["metadata"]["resourceVersion"], "7");
  EXPECT_FALSE(obj.contains("spec"));
}

TEST(Table, IncludeObjectVariantsAndWatchEvents) {
  auto r = crd_resource(testing::task_crd());
  table_options opt;
  opt.now = now_ts;
  opt.include = include_object::object;
  auto full = to_table(r, {task("a", "Running")}, json(), opt);
  EXPECT_EQ(full["rows"][0]["object"]["spec"]["prompt"], "fix it");
  EXPECT_EQ(full["metadata"], json::object());
  opt.include = include_object::none;
  opt.with_column_definitions = false;
  opt.version = "v1beta1";
  auto bare = to_table(r, {task("a", "Running")}, json(), opt);
  EXPECT_FALSE(bare["rows"][0].contains("object"));
  EXPECT_EQ(bare["columnDefinitions"], json::array());
  EXPECT_EQ(bare["apiVersion"], "meta.k8s.io/v1beta1");
  EXPECT_EQ(parse_include_object("None"), include_object::none);
  EXPECT_EQ(parse_include_object("Object"), include_object::object);
  EXPECT_EQ(parse_include_object("Metadata"), include_object::metadata);
  EXPECT_EQ(parse_include_object(""), include_object::metadata);
}

TEST(Table, NegotiatesTableAccept) {
  const char* kubectl = "application/json;as=Table;v=v1;g=meta.k8s.io,"
                        "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
  auto c = negotiate_table(kubectl);
  EXPECT_TRUE(c.table);
  EXPECT_EQ(c.version, "v1");
  EXPECT_EQ(c.content_type, "application/json;as=Table;v=v1;g=meta.k8s.io");
  auto beta = negotiate_table("application/json;g=meta.k8s.io;v=v1beta1;as=Table, application/json");
  EXPECT_TRUE(beta.table);
  EXPECT_EQ(beta.version, "v1beta1");
  auto skip = negotiate_table("application/json;as=Table;v=v2;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io");
  EXPECT_TRUE(skip.table);
  EXPECT_EQ(skip.version, "v1");
  for (const char* plain : {"", "application/json", "application/json, */*",
                            "application/json,application/json;as=Table;v=v1;g=meta.k8s.io",
                            "application/json;as=Table;v=v1;g=other.io"}) {
    auto p = negotiate_table(plain);
    EXPECT_FALSE(p.table) << plain;
    EXPECT_EQ(p.content_type, "application/json") << plain;
  }
}

json pod_with(const char* status_json, const char* extra_meta = nullptr) {
  auto p = json::parse(R"({"metadata":{"name":"p","creationTimestamp":"2026-11-23T11:00:00Z"},
    "spec":{"containers":[{"name":"main"}],"nodeName":"n1"}})");
  p["status"] = json::parse(status_json);
  if (extra_meta)
    p["metadata"].update(json::parse(extra_meta));
  return p;
}

TEST(Table, PodStatusColumnCases) {
  struct tc {
    const char* status;
    const char* meta;
    const char* reason;
    const char* ready;
  };
  std::vector<tc> cases{
    {R"({"phase":"Pending"})", nullptr, "Pending", "0/1"},
    {R"({"phase":"Pending","containerStatuses":[{"name":"main","ready":false,"restartCount":0,
        "state":{"waiting":{"reason":"ContainerCreating"}}}]})", nullptr, "ContainerCreating", "0/1"},
    {R"({"phase":"Running","containerStatuses":[{"name":"main","ready":true,"restartCount":0,
        "state":{"running":{"startedAt":"2026-11-23T11:00:05Z"}}}]})", nullptr, "Running", "1/1"},
    {R"({"phase":"Succeeded","containerStatuses":[{"name":"main","ready":false,"restartCount":0,
        "state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]})", nullptr, "Completed", "0/1"},
    {R"({"phase":"Failed","containerStatuses":[{"name":"main","ready":false,"restartCount":0,
        "state":{"terminated":{"exitCode":1,"reason":"Error"}}}]})", nullptr, "Error", "0/1"},
    {R"({"phase":"Running","containerStatuses":[{"name":"main","ready":false,"restartCount":4,
        "state":{"waiting":{"reason":"CrashLoopBackOff"}}}]})", nullptr, "CrashLoopBackOff", "0/1"},
    {R"({"phase":"Failed","containerStatuses":[{"name":"main","state":{"terminated":{"exitCode":137}}}]})",
     nullptr, "ExitCode:137", "0/1"},
    {R"({"phase":"Running","containerStatuses":[{"name":"main","ready":true,
        "state":{"running":{}}}]})", R"({"deletionTimestamp":"2026-11-23T11:59:00Z"})", "Terminating", "1/1"},
    {R"({"phase":"Succeeded"})", R"({"deletionTimestamp":"2026-11-23T11:59:00Z"})", "Succeeded", "0/1"},
    {R"({"phase":"Pending","initContainerStatuses":[{"name":"clone","restartCount":0,
        "state":{"running":{}}}]})", nullptr, "Init:0/1", "0/1"},
    {R"({"phase":"Pending","initContainerStatuses":[{"name":"clone",
        "state":{"terminated":{"exitCode":128,"reason":"Error"}}}]})", nullptr, "Init:Error", "0/1"},
    {R"({"phase":"Pending","initContainerStatuses":[{"name":"clone",
        "state":{"waiting":{"reason":"CrashLoopBackOff"}}}]})", nullptr, "Init:CrashLoopBackOff", "0/1"},
    {R"({"phase":"Failed","reason":"Evicted"})", nullptr, "Evicted", "0/1"},
  };
  for (auto& c : cases) {
    auto p = pod_with(c.status, c.meta);
    if (std::string{c.reason}.starts_with("Init:"))
      p["spec"]["initContainers"] = json::parse(R"([{"name":"clone"}])");
    EXPECT_EQ(pod_status_reason(p), c.reason) << c.status;
    EXPECT_EQ(pod_ready(p), c.ready) << c.status;
  }
}

TEST(Table, PodRowWithRestarts) {
  auto p = pod_with(R"({"phase":"Running","podIP":"10.0.0.5","containerStatuses":[
    {"name":"main","ready":true,"restartCount":3,"state":{"running":{}},
     "lastState":{"terminated":{"exitCode":1,"finishedAt":"2026-11-23T11:58:00Z"}}}]})");
  auto r = builtin("", "Pod");
  EXPECT_EQ(column_names(r), (std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age",
                                                       "IP", "Node"}));
  EXPECT_EQ(json(table_cells(r, p, now_ts)),
            json::parse(R"x(["p","1/1","Running","3 (2m ago)","60m","10.0.0.5","n1"])x"));
  EXPECT_EQ(pod_restarts(p), 3);
}

TEST(Table, JobColumns) {
  auto r = builtin("batch", "Job");
  EXPECT_EQ(column_names(r), (std::vector<std::string>{"Name", "Status", "Completions", "Duration",
                                                       "Age", "Containers", "Images", "Selector"}));
  auto job = json::parse(R"({"metadata":{"name":"j","creationTimestamp":"2026-11-23T11:50:00Z"},
    "spec":{"completions":1,"selector":{"matchLabels":{"controller-uid":"abc"}},
            "template":{"spec":{"containers":[{"name":"claude-code","image":"img:1"}]}}},
    "status":{"active":1,"startTime":"2026-11-23T11:50:10Z"}})");
  EXPECT_EQ(json(table_cells(r, job, now_ts)),
            json::parse(R"(["j","Running","0/1","9m50s","10m","claude-code","img:1","controller-uid=abc"])"));
  job["status"] = json::parse(R"({"succeeded":1,"startTime":"2026-11-23T11:50:10Z",
    "completionTime":"2026-11-23T11:51:00Z","conditions":[{"type":"Complete","status":"True"}]})");
  auto done = table_cells(r, job, now_ts);
  EXPECT_EQ(done[1], "Complete");
  EXPECT_EQ(done[2], "1/1");
  EXPECT_EQ(done[3], "50s");
  job["status"] = json::parse(R"({"failed":1,"conditions":[{"type":"Failed","status":"True"}]})");
  job["spec"].erase("completions");
  job["spec"]["parallelism"] = 3;
  auto failed = table_cells(r, job, now_ts);
  EXPECT_EQ(failed[1], "Failed");
  EXPECT_EQ(failed[2], "0/1 of 3");
  EXPECT_EQ(failed[3], "");
}

TEST(Table, DeploymentColumns) {
  auto r = builtin("apps", "Deployment");
  EXPECT_EQ(column_names(r), (std::vector<std::string>{"Name", "Ready", "Up-to-date", "Available",
                                                       "Age", "Containers", "Images", "Selector"}));
  auto d = json::parse(R"({"metadata":{"name":"kelos-controller-manager","creationTimestamp":"2026-11-23T11:50:00Z"},
    "spec":{"replicas":2,"selector":{"matchLabels":{"app":"kelos"}},
            "template":{"spec":{"containers":[{"name":"manager","image":"img:1"}]}}},
    "status":{"readyReplicas":1,"updatedReplicas":2,"availableReplicas":1}})");
  EXPECT_EQ(json(table_cells(r, d, now_ts)),
            json::parse(R"(["kelos-controller-manager","1/2",2,1,"10m","manager","img:1","app=kelos"])"));
  // No controller fills the status: nothing ready; replicas defaults to 1.
  d.erase("status");
  d["spec"].erase("replicas");
  auto cells = table_cells(r, d, now_ts);
  EXPECT_EQ(cells[1], "0/1");
  EXPECT_EQ(cells[2], 0);
}

TEST(Table, RbacColumns) {
  for (const char* kind : {"ClusterRole", "Role"}) {
    auto r = builtin("rbac.authorization.k8s.io", kind);
    EXPECT_EQ(column_names(r), (std::vector<std::string>{"Name", "Created At"})) << kind;
    auto role = json::parse(R"({"metadata":{"name":"kelos-controller-role","creationTimestamp":"2026-11-23T11:00:00Z"}})");
    EXPECT_EQ(json(table_cells(r, role, now_ts)),
              json::parse(R"(["kelos-controller-role","2026-11-23T11:00:00Z"])"));
  }
  auto binding = json::parse(R"({"metadata":{"name":"b","creationTimestamp":"2026-11-23T11:59:00Z"},
    "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"kelos-controller-role"},
    "subjects":[{"kind":"ServiceAccount","name":"kelos-controller","namespace":"kelos-system"},
                {"kind":"User","name":"alice"},{"kind":"Group","name":"devs"},{"kind":"User","name":"bob"}]})");
  for (const char* kind : {"ClusterRoleBinding", "RoleBinding"}) {
    auto r = builtin("rbac.authorization.k8s.io", kind);
    EXPECT_EQ(column_names(r), (std::vector<std::string>{"Name", "Role", "Age", "Users", "Groups",
                                                         "ServiceAccounts"})) << kind;
    EXPECT_EQ(json(table_cells(r, binding, now_ts)),
              json::parse(R"(["b","ClusterRole/kelos-controller-role","60s","alice, bob","devs",
                              "kelos-system/kelos-controller"])")) << kind;
  }
}

TEST(Table, OtherBuiltins) {
  auto ns = json::parse(R"({"metadata":{"name":"default","creationTimestamp":"2026-11-23T11:00:00Z"},
                            "status":{"phase":"Terminating"}})");
  EXPECT_EQ(json(table_cells(builtin("", "Namespace"), ns, now_ts)),
            json::parse(R"(["default","Terminating","60m"])"));

  auto crd = json::parse(R"({"metadata":{"name":"tasks.kelos.dev","creationTimestamp":"2026-11-23T11:00:00Z"}})");
  auto crd_r = builtin("apiextensions.k8s.io", "CustomResourceDefinition");
  EXPECT_EQ(column_names(crd_r), (std::vector<std::string>{"Name", "Created At"}));
  EXPECT_EQ(json(table_cells(crd_r, crd, now_ts)),
            json::parse(R"(["tasks.kelos.dev","2026-11-23T11:00:00Z"])"));

  auto lease = json::parse(R"({"metadata":{"name":"kelos-controller-leader-election",
    "creationTimestamp":"2026-11-23T11:59:30Z"},"spec":{"holderIdentity":"pod-1_abc"}})");
  EXPECT_EQ(json(table_cells(builtin("coordination.k8s.io", "Lease"), lease, now_ts)),
            json::parse(R"(["kelos-controller-leader-election","pod-1_abc","30s"])"));

  auto secret = json::parse(R"({"metadata":{"name":"s","creationTimestamp":"2026-11-23T11:59:00Z"},
    "type":"kubernetes.io/basic-auth","data":{"username":"YQ==","password":"Yg=="}})");
  EXPECT_EQ(json(table_cells(builtin("", "Secret"), secret, now_ts)),
            json::parse(R"(["s","kubernetes.io/basic-auth",2,"60s"])"));

  auto cm = json::parse(R"({"metadata":{"name":"c","creationTimestamp":"2026-11-23T11:59:00Z"},
    "data":{"a":"1"},"binaryData":{"b":"AA=="}})");
  EXPECT_EQ(json(table_cells(builtin("", "ConfigMap"), cm, now_ts)), json::parse(R"(["c",2,"60s"])"));

  auto sa = json::parse(R"({"metadata":{"name":"default"}})");
  EXPECT_EQ(json(table_cells(builtin("", "ServiceAccount"), sa, now_ts)),
            json::parse(R"(["default",0,"<unknown>"])"));
}

TEST(Table, EventColumns) {
  auto r = builtin("", "Event");
  auto cols = column_names(r);
  EXPECT_EQ(cols.front(), "Last Seen");
  auto ev = json::parse(R"({"metadata":{"name":"t1.abc"},"type":"Normal","reason":"JobCreated",
    "message":"Created job t1","involvedObject":{"kind":"Task","name":"t1"},
    "source":{"component":"kelos-controller"},"count":2,
    "firstTimestamp":"2026-11-23T11:50:00Z","lastTimestamp":"2026-11-23T11:59:00Z"})");
  EXPECT_EQ(json(table_cells(r, ev, now_ts)),
            json::parse(R"(["60s","Normal","JobCreated","task/t1","","kelos-controller",
                            "Created job t1","10m",2,"t1.abc"])"));
  auto ev2 = json::parse(R"({"metadata":{"name":"x"},"type":"Warning","reason":"Failed","note":"boom",
    "regarding":{"kind":"Pod","name":"p"},"reportingController":"kubelet",
    "eventTime":"2026-11-23T11:59:50.123456Z"})");
  auto cells = table_cells(builtin("events.k8s.io", "Event"), ev2, now_ts);
  EXPECT_EQ(cells[0], "9s");
  EXPECT_EQ(cells[3], "pod/p");
  EXPECT_EQ(cells[6], "boom");
}

TEST(Table, DefaultColumnsAreNameAndAge) {
  served_resource plain = served_builtin({"", "v1", "Thing", "things", "thing", true, {}, {}, {}});
  EXPECT_EQ(column_names(plain), (std::vector<std::string>{"Name", "Age"}));
}

TEST(Table, HumanDurationMatchesUpstream) {
  using std::chrono::seconds;
  auto h = [](long s) { return human_duration(std::chrono::duration_cast<std::chrono::microseconds>(seconds(s))); };
  EXPECT_EQ(h(-5), "<invalid>");
  EXPECT_EQ(h(-1), "0s");
  EXPECT_EQ(h(0), "0s");
  EXPECT_EQ(h(119), "119s");
  EXPECT_EQ(h(120), "2m");
  EXPECT_EQ(h(310), "5m10s");
  EXPECT_EQ(h(600), "10m");
  EXPECT_EQ(h(3 * 3600 - 1), "179m");
  EXPECT_EQ(h(3 * 3600), "3h");
  EXPECT_EQ(h(7 * 3600 + 300), "7h5m");
  EXPECT_EQ(h(8 * 3600), "8h");
  EXPECT_EQ(h(47 * 3600), "47h");
  EXPECT_EQ(h(52 * 3600), "2d4h");
  EXPECT_EQ(h(10 * 86400), "10d");
  EXPECT_EQ(h(3 * 365 * 86400 + 10 * 86400), "3y10d");
  EXPECT_EQ(h(9 * 365 * 86400), "9y");
}

TEST(Table, InvalidAndFutureDates) {
  auto r = crd_resource(testing::task_crd());
  auto t = task("f", "Running");
  t["metadata"]["creationTimestamp"] = "2026-11-23T13:00:00Z";
  EXPECT_EQ(table_cells(r, t, now_ts).back(), "<invalid>");
  t["metadata"]["creationTimestamp"] = "yesterday";
  EXPECT_EQ(table_cells(r, t, now_ts).back(), "<invalid>");
}

} // namespace
} // namespace kelos::apiserver
