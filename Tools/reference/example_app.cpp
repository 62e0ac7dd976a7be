// The libtorch C++ tutorial program ("Loading a TorchScript Model in C++",
// https://pytorch.org/tutorials/advanced/cpp_export.html), unchanged apart from
// this comment. Flint's Swift port of it is checked against this program's stdout
// (Tests/Fixtures/api/*.expected.txt, written by Tools/fixtures/make_api_fixtures.py).
//
//   example_app MODULE.pt
//
// Built by Tools/reference/build_example_app.sh (default .build-reference/example_app).
#include <torch/script.h> // One-stop header.

#include <iostream>
#include <memory>

int main(int argc, const char* argv[]) {
  if (argc != 2) {
    std::cerr << "usage: example-app <path-to-exported-script-module>\n";
    return -1;
  }

  torch::jit::script::Module module;
  try {
    // Deserialize the ScriptModule from a file using torch::jit::load().
    module = torch::jit::load(argv[1]);
  }
  catch (const c10::Error& e) {
    std::cerr << "error loading the model\n";
    return -1;
  }

  std::cout << "ok\n";

  // Create a vector of inputs.
  std::vector<torch::jit::IValue> inputs;
  inputs.push_back(torch::ones({1, 3, 224, 224}));

  // Execute the model and turn its output into a tensor.
  at::Tensor output = module.forward(inputs).toTensor();
  std::cout << output.slice(/*dim=*/1, /*start=*/0, /*end=*/5) << '\n';
}
