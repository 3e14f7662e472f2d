#pragma once

#include "k8s/apiserver/object_store.hpp"
#include "k8s/apiserver/resource_catalog.hpp"

namespace kelos::apiserver {

/// Keeps the resource catalog in step with the stored CustomResourceDefinitions.
///
/// Flow (all on the writer's thread, right after the store commits, so a client that
/// created a CRD can use its resources as soon as the create returned):
/// 1. CRD added or modified → `parse_crd`, name-conflict check, register the served
///    versions (catalog + schema admission hooks), then write `status`
///    (NamesAccepted, Established, acceptedNames, storedVersions) through `/status`.
///    The status write is a no-op when nothing changed, so it never loops.
/// 2. CRD deleted → unregister its resources and delete every stored object of them.
///
/// Caveat: conversion webhooks are never called; every served version shares the stored
/// objects and only `apiVersion` is rewritten on the way out.
class crd_controller {
public:
  crd_controller(object_store& store, resource_catalog& catalog);

  /// Installs the store hooks (CRD admission, change hook) and registers the CRDs already
  /// stored (after a restart with a data dir).
  void install();

private:
  void on_change(const resource_info& res, const watch_event& ev);
  void register_crd(const json& obj);
  void unregister_crd(const json& obj);

  object_store& store_;
  resource_catalog& catalog_;
};

/// The resource_info of `apiextensions.k8s.io/v1 customresourcedefinitions`.
const resource_info& crd_resource_info();

} // namespace kelos::apiserver
