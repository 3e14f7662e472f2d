#pragma once

// Realistic inputs shared by the apiserver_describe tests: the Kelos Task and
// TaskSpawner CRDs as controller-gen writes them (printer columns per kelos-seed.md
// §1.1 and §1.4; schemas abridged).

#include "k8s/json.hpp"

namespace kelos::apiserver::testing {

inline k8s::json task_crd() {
  return k8s::json::parse(R"({
  "apiVersion": "apiextensions.k8s.io/v1",
  "kind": "CustomResourceDefinition",
  "metadata": {"name": "tasks.kelos.dev",
               "annotations": {"controller-gen.kubebuilder.io/version": "v0.20.0"}},
  "spec": {
    "group": "kelos.dev",
    "names": {"kind": "Task", "listKind": "TaskList", "plural": "tasks", "singular": "task"},
    "scope": "Namespaced",
    "versions": [{
      "name": "v1alpha1", "served": true, "storage": true,
      "subresources": {"status": {}},
      "additionalPrinterColumns": [
        {"jsonPath": ".spec.type", "name": "Type", "type": "string"},
        {"jsonPath": ".status.phase", "name": "Phase", "type": "string"},
        {"jsonPath": ".spec.branch", "name": "Branch", "priority": 1, "type": "string"},
        {"jsonPath": ".spec.dependsOn", "name": "Depends On", "priority": 1, "type": "string"},
        {"jsonPath": ".metadata.creationTimestamp", "name": "Age", "type": "date"}
      ],
      "schema": {"openAPIV3Schema": {
        "description": "Task is the Schema for the tasks API.",
        "type": "object",
        "properties": {
          "apiVersion": {"type": "string"},
          "kind": {"type": "string"},
          "metadata": {"type": "object"},
          "spec": {
            "type": "object",
            "required": ["credentials", "prompt", "type"],
            "x-kubernetes-validations": [{"message": "Task spec is immutable after creation",
                                          "rule": "self == oldSelf"}],
            "properties": {
              "type": {"type": "string", "enum": ["claude-code", "codex", "gemini", "opencode"]},
              "prompt": {"type": "string"},
              "branch": {"type": "string"},
              "dependsOn": {"type": "array", "items": {"type": "string"}},
              "credentials": {"type": "object", "required": ["secretRef", "type"],
                "properties": {"type": {"type": "string", "enum": ["api-key", "oauth"]},
                               "secretRef": {"type": "object",
                                 "properties": {"name": {"type": "string"}}}}}
            }
          },
          "status": {
            "type": "object",
            "properties": {
              "phase": {"type": "string"},
              "jobName": {"type": "string"},
              "startTime": {"type": "string", "format": "date-time"},
              "results": {"type": "object", "additionalProperties": {"type": "string"}}
            }
          }
        }
      }}
    }]
  }
})");
}

inline k8s::json taskspawner_crd() {
  return k8s::json::parse(R"({
  "apiVersion": "apiextensions.k8s.io/v1",
  "kind": "CustomResourceDefinition",
  "metadata": {"name": "taskspawners.kelos.dev"},
  "spec": {
    "group": "kelos.dev",
    "names": {"kind": "TaskSpawner", "listKind": "TaskSpawnerList", "plural": "taskspawners",
              "singular": "taskspawner"},
    "scope": "Namespaced",
    "versions": [{
      "name": "v1alpha1", "served": true, "storage": true,
      "subresources": {"status": {}},
      "additionalPrinterColumns": [
        {"jsonPath": ".spec.taskTemplate.workspaceRef.name", "name": "Workspace", "type": "string"},
        {"jsonPath": ".spec.suspend", "name": "Suspend", "type": "boolean"},
        {"jsonPath": ".status.phase", "name": "Phase", "type": "string"},
        {"jsonPath": ".status.activeTasks", "name": "Active", "type": "integer"},
        {"jsonPath": ".status.totalDiscovered", "name": "Discovered", "type": "integer"},
        {"jsonPath": ".status.totalTasksCreated", "name": "Tasks", "type": "integer"},
        {"jsonPath": ".metadata.creationTimestamp", "name": "Age", "type": "date"}
      ],
      "schema": {"openAPIV3Schema": {"type": "object",
        "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                       "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}
    }]
  }
})");
}

/// A two-version CRD with webhook conversion (v1alpha1 storage, v1alpha2 served).
inline k8s::json multi_version_crd() {
  return k8s::json::parse(R"({
  "apiVersion": "apiextensions.k8s.io/v1",
  "kind": "CustomResourceDefinition",
  "metadata": {"name": "widgets.example.com"},
  "spec": {
    "group": "example.com",
    "names": {"kind": "Widget", "plural": "widgets", "shortNames": ["wd"],
              "categories": ["all"]},
    "scope": "Cluster",
    "conversion": {"strategy": "Webhook",
                   "webhook": {"conversionReviewVersions": ["v1"],
                               "clientConfig": {"service": {"name": "x", "namespace": "y"}}}},
    "versions": [
      {"name": "v1alpha1", "served": true, "storage": true,
       "schema": {"openAPIV3Schema": {"type": "object"}}},
      {"name": "v1alpha2", "served": true, "storage": false,
       "subresources": {"status": {},
                        "scale": {"specReplicasPath": ".spec.replicas",
                                  "statusReplicasPath": ".status.replicas"}},
       "schema": {"openAPIV3Schema": {"type": "object"}}},
      {"name": "v1beta1", "served": false, "storage": false,
       "schema": {"openAPIV3Schema": {"type": "object"}}}
    ]
  }
})");
}

} // namespace kelos::apiserver::testing
