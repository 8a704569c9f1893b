// The Jupyter client's pure parts: endpoint parsing, kernelspec choice, message parsing and building.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "jupyter/jupyter_endpoint.hpp"
#include "jupyter/kernel_message.hpp"
#include "jupyter/kernelspec_selection.hpp"

namespace execd::jupyter {
namespace {

using nlohmann::json;

json specs(std::initializer_list<std::pair<std::string, std::string>> name_and_language,
           const std::string& default_name = "") {
    json answer{{"default", default_name}, {"kernelspecs", json::object()}};
    for (const auto& [name, language] : name_and_language) {
        answer["kernelspecs"][name] = {{"name", name}, {"spec", {{"language", language}}}};
    }
    return answer;
}

TEST(JupyterEndpoint, ParsesHostPortAndBasePath) {
    const auto endpoint =
        std::get<JupyterEndpoint>(parse_jupyter_endpoint("http://127.0.0.1:8888/lab/", "t"));
    EXPECT_EQ(endpoint.host, "127.0.0.1");
    EXPECT_EQ(endpoint.port, 8888);
    EXPECT_EQ(endpoint.base_path, "/lab");
    EXPECT_EQ(endpoint.token, "t");
    const auto plain = std::get<JupyterEndpoint>(parse_jupyter_endpoint("http://jupyter", ""));
    EXPECT_EQ(plain.port, 80);
    EXPECT_EQ(plain.base_path, "");
    const auto v6 = std::get<JupyterEndpoint>(parse_jupyter_endpoint("http://[::1]:9000", ""));
    EXPECT_EQ(v6.host, "::1");
    EXPECT_EQ(v6.port, 9000);
}

TEST(JupyterEndpoint, RefusesWhatItCannotUse) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_jupyter_endpoint("https://h", "")));
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_jupyter_endpoint("http://h:0", "")));
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_jupyter_endpoint("http://h:x", "")));
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_jupyter_endpoint("http://:80", "")));
}

TEST(KernelspecSelection, PrefersTheSpecNamedLikeTheLanguage) {
    EXPECT_EQ(choose_kernelspec(specs({{"python3", "python"}, {"python", "python"}}), "python"), "python");
}

TEST(KernelspecSelection, UsesALonePython3) {
    EXPECT_EQ(choose_kernelspec(specs({{"python3", "python"}, {"ir", "R"}}), "python"), "python3");
}

TEST(KernelspecSelection, OtherwiseTheDefaultThenTheFirstByName) {
    EXPECT_EQ(choose_kernelspec(specs({{"py-b", "python"}, {"py-a", "python"}}, "py-b"), "python"), "py-b");
    EXPECT_EQ(choose_kernelspec(specs({{"py-b", "python"}, {"py-a", "python"}}), "python"), "py-a");
}

TEST(KernelspecSelection, MatchesSpecLanguageNotName) {
    EXPECT_EQ(choose_kernelspec(specs({{"tslab", "typescript"}, {"jslab", "javascript"}}), "javascript"),
              "jslab");
    EXPECT_EQ(choose_kernelspec(specs({{"python3", "python"}}), "ruby"), std::nullopt);
    EXPECT_EQ(choose_kernelspec(json::array(), "python"), std::nullopt);
    EXPECT_EQ(choose_kernelspec(json{{"kernelspecs", {{"bad", 1}}}}, "python"), std::nullopt);
}

TEST(KernelMessage, ParsesTypeParentAndContent) {
    const auto message = parse_kernel_message(
        R"({"header":{"msg_type":"stream"},"parent_header":{"msg_id":"abc"},"content":{"name":"stdout","text":"hi"}})");
    ASSERT_TRUE(message);
    EXPECT_EQ(message->msg_type, "stream");
    EXPECT_EQ(message->parent_msg_id, "abc");
    EXPECT_EQ(message->content["text"], "hi");
    const auto orphan = parse_kernel_message(R"({"header":{"msg_type":"status"},"parent_header":{}})");
    ASSERT_TRUE(orphan);
    EXPECT_EQ(orphan->parent_msg_id, "");
    EXPECT_FALSE(parse_kernel_message("not json"));
    EXPECT_FALSE(parse_kernel_message("[]"));
    // Code in the kernel can send anything on iopub; a wrong type is no type, not an exception.
    const auto odd = parse_kernel_message(R"({"header":{"msg_type":1},"parent_header":{"msg_id":2}})");
    ASSERT_TRUE(odd);
    EXPECT_EQ(odd->msg_type, "");
    EXPECT_EQ(odd->parent_msg_id, "");
}

TEST(KernelMessage, BuildsAnExecuteRequest) {
    const json request = json::parse(execute_request_message("m1", "s1", "print(1)"));
    EXPECT_EQ(request["header"]["msg_id"], "m1");
    EXPECT_EQ(request["header"]["session"], "s1");
    EXPECT_EQ(request["header"]["msg_type"], "execute_request");
    EXPECT_EQ(request["channel"], "shell");
    EXPECT_EQ(request["content"]["code"], "print(1)");
    EXPECT_EQ(request["content"]["allow_stdin"], false);
}

TEST(KernelMessage, UuidsAreVersion4AndDistinct) {
    const std::string a = new_uuid();
    EXPECT_EQ(a.size(), 36u);
    EXPECT_EQ(a[14], '4');
    EXPECT_NE(a, new_uuid());
}

}  // namespace
}  // namespace execd::jupyter
