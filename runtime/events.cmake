# kelos_events: core/v1 Events as client-go's recorder writes them, and the correlator
# that patches repeats instead of creating new objects. Pure (kelos_core only). Lives in
# k8s/ but is declared here because k8s/CMakeLists.txt takes no fragments.
add_library(kelos_events STATIC ${PROJECT_SOURCE_DIR}/k8s/event_builder.cpp)
target_link_libraries(kelos_events PUBLIC kelos_core PRIVATE kelos_warnings)
