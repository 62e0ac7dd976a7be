// The libtorch tutorial's C++ program, line for line:
//
//   torch::jit::script::Module module = torch::jit::load(argv[1]);
//   std::cout << "ok\n";
//   std::vector<torch::jit::IValue> inputs;
//   inputs.push_back(torch::ones({1, 3, 224, 224}));
//   at::Tensor output = module.forward(inputs).toTensor();
//   std::cout << output.slice(/*dim=*/1, /*start=*/0, /*end=*/5) << '\n';

import Flint
import Foundation  // exit()

guard CommandLine.arguments.count == 2 else {
    print("usage: example-app <path-to-exported-script-module>")
    exit(1)
}

let module = try Flint.load(CommandLine.arguments[1])
print("ok")
var inputs: [IValue] = []
inputs.append(.tensor(Tensor.ones([1, 3, 224, 224])))
let output = try module.forward(inputs).toTensor()
print(output.slice(dim: 1, start: 0, end: 5))
