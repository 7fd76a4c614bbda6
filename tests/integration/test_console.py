"""The operations console (README "Operations console") in a real browser: headless Chromium
from Debian driven by Selenium opens the dashboard of a gateway serving the shipped artifacts
with the sandbox, finds every artifact listed, sends a request with the try-it form and reads
its answer, switches the log level and sees the change in the gateway's log, deactivates and
activates an API, and keeps a screenshot under the build folder. Skipped, with the reason,
only where Selenium or Chromium cannot start."""

import os
import shutil
import unittest

from harness import Gateway, wait_until
from test_management import TOKEN, call, shipped_artifacts

try:
    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError as missing:  # pragma: no cover - depends on the machine
    webdriver = None
    IMPORT_PROBLEM = str(missing)

BUILD_DIR = os.environ.get("FLOWGATE_BUILD_DIR") or os.path.dirname(
    os.environ.get("FLOWGATE_BIN", "build/flowgate"))
SCREENSHOT = os.path.join(BUILD_DIR, "console-screenshot.png")
WAIT = 30  # the longest any condition in the page is waited for


def start_browser():
    """Headless Chromium, or unittest.SkipTest naming why it cannot start."""
    if webdriver is None:
        raise unittest.SkipTest(f"python3-selenium is not installed ({IMPORT_PROBLEM})")
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not os.path.exists(driver_path):
        raise unittest.SkipTest("chromedriver not found (Debian: chromium-driver)")
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    chromium = shutil.which("chromium")
    if chromium:
        options.binary_location = chromium
    try:
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
    except WebDriverException as e:
        raise unittest.SkipTest(f"Chromium cannot start here: {e.msg}")
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)
    return driver


class ConsoleInChromium(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.gateway = Gateway("", extra_args=["--sandbox-listen", "127.0.0.1:0"],
                              env={"FLOWGATE_ADMIN_TOKEN": TOKEN})
        try:
            cls.browser = start_browser()
        except unittest.SkipTest:
            cls.gateway.stop()
            raise
        cls.url = f"http://127.0.0.1:{cls.gateway.admin_port}/"

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.gateway.stop()

    def setUp(self):
        # Each test starts from every artifact active, whatever an earlier one left behind.
        for kind, name in shipped_artifacts():
            if kind in ("proxy", "api"):
                status, _, body = call(self.gateway, "POST",
                                       f"/management/artifacts/{name}/activate", token=TOKEN)
                self.assertEqual(status, 200, body)
        self.browser.get(self.url)
        # The artifact table is redrawn every 2 s: a row read during a redraw is stale, and
        # the condition is simply read again.
        self.wait = WebDriverWait(self.browser, WAIT,
                                  ignored_exceptions=(StaleElementReferenceException,))
        self.wait.until(lambda d: len(self.rows()) > 0)
        token = self.browser.find_element(By.ID, "token")
        token.clear()
        token.send_keys(TOKEN)

    def rows(self):
        return self.browser.find_elements(By.CSS_SELECTOR, "#artifacts tbody tr")

    def row(self, name):
        return self.browser.find_element(By.CSS_SELECTOR, f'#artifacts tbody tr[data-name="{name}"]')

    def cell(self, name, column):
        """The text of one cell of an artifact's row, read in one step (the table is redrawn
        every 2 s, so elements found earlier may be gone)."""
        return self.browser.execute_script(
            "const r = [...document.querySelectorAll('#artifacts tbody tr')]"
            ".find(r => r.dataset.name === arguments[0]);"
            "return r ? r.cells[arguments[1]].textContent : null;", name, column)

    def open_artifact(self, name):
        # Keyboard: the name is a button, reached and pressed without the mouse.
        # A redraw between finding and pressing makes the button stale: find it again.
        self.wait.until(lambda d: self.row(name).find_element(By.TAG_NAME, "button")
                        .send_keys("\n") or True)
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "detail-h"), name))
        self.wait.until(lambda d: d.find_element(By.ID, "try-op").find_elements(By.TAG_NAME, "option")
                        or not d.find_element(By.ID, "try-form").is_displayed())

    def test_every_shipped_artifact_is_listed(self):
        expected = shipped_artifacts()
        self.wait.until(lambda d: len(self.rows()) == len(expected))
        listed = {tuple(pair) for pair in self.browser.execute_script(
            "return [...document.querySelectorAll('#artifacts tbody tr')]"
            ".map(r => [r.dataset.kind, r.dataset.name]);")}
        self.assertEqual(listed, expected)
        self.assertEqual(self.cell("customers", 2), "active")
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "tokenstore"), "gotowebinar: "))
        self.assertIn("memory", self.browser.find_element(By.ID, "tokenstore").text)

    def test_try_it_sends_a_real_request_and_shows_the_answer(self):
        self.open_artifact("customers")
        Select(self.browser.find_element(By.ID, "try-op")).select_by_visible_text(
            "GET /customers/{id}")
        self.browser.find_element(By.ID, "param-path-id").send_keys("1")
        self.browser.find_element(By.ID, "try-send").click()
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "try-status"), "200"))
        self.assertIn("GET /customers/1", self.browser.find_element(By.ID, "try-status").text)
        self.assertIn("Ada Lovelace", self.browser.find_element(By.ID, "try-body-out").text)
        headers = self.browser.find_element(By.ID, "try-headers").text
        self.assertIn("X-Request-ID", headers)
        # The request went through the proxy listener: it is counted in the artifact's figures.
        self.wait.until(lambda d: self.cell("customers", 3)
                        not in ("0.00", "–"))
        self.wait.until(lambda d: d.find_element(By.ID, "chart").find_elements(By.TAG_NAME, "rect"))
        # The whole page from its top: header, artifacts, the detail with the answer.
        self.browser.set_window_size(1400, 1700)
        self.browser.execute_script("window.scrollTo(0, 0)")
        os.makedirs(os.path.dirname(SCREENSHOT) or ".", exist_ok=True)
        self.assertTrue(self.browser.save_screenshot(SCREENSHOT))
        self.assertGreater(os.path.getsize(SCREENSHOT), 10_000)

    def test_a_proxy_form_is_generated_from_its_properties(self):
        self.open_artifact("gotowebinar_getSessionById")
        body = self.browser.find_element(By.ID, "try-body").get_attribute("value")
        self.assertIn('"sessionKey"', body)
        self.assertIn("POST /services/gotowebinar_getSessionById",
                      self.browser.find_element(By.ID, "try-op").text)

    def test_log_level_switch_takes_effect_in_the_log(self):
        process = self.gateway.process
        level = Select(self.browser.find_element(By.ID, "log-level"))
        self.wait.until(lambda d: level.first_selected_option.text == "info")
        # At info, an upstream call writes no debug line: the request's access line comes
        # after its call, so once it is there the absence is settled.
        self.gateway.request("GET", "/customers/2", headers={"X-Request-ID": "console-info-1"})
        process.wait_for(r"requestId=console-info-1|\"requestId\":\"console-info-1\"")
        self.assertFalse(any("upstream call" in line for line in process.lines))
        level.select_by_visible_text("debug")
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "notice"), "log level is now debug"))
        process.wait_for(r"management: log level changed.*level=debug")
        self.gateway.request("GET", "/customers/2", headers={"X-Request-ID": "console-debug-1"})
        process.wait_for(r"upstream call.*url=http://127\.0\.0\.1:\d+/customers/2")
        level = Select(self.browser.find_element(By.ID, "log-level"))
        level.select_by_visible_text("info")
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "notice"), "log level is now info"))

    def test_one_artifact_log_level_from_its_detail(self):
        self.open_artifact("customers")
        self.addCleanup(call, self.gateway, "PUT", "/management/logging",
                        {"level": "inherit", "artifact": "customers"}, TOKEN)
        Select(self.browser.find_element(By.ID, "artifact-log-level")).select_by_visible_text("debug")
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "notice"), "customers logs at debug"))
        self.assertEqual(call(self.gateway, "GET", "/management/logging")[2],
                         {"level": "info", "artifacts": {"customers": "debug"}})
        self.gateway.request("GET", "/customers/3")
        self.gateway.process.wait_for(r"upstream call.*url=http://127\.0\.0\.1:\d+/customers/3")
        Select(self.browser.find_element(By.ID, "artifact-log-level")).select_by_value("inherit")
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "notice"),
                                                         "customers logs at the gateway's level"))

    def test_deactivate_and_activate_an_api(self):
        self.open_artifact("customers")
        toggle = self.browser.find_element(By.ID, "toggle-active")
        self.assertEqual(toggle.text, "Deactivate")
        toggle.click()
        self.addCleanup(call, self.gateway, "POST", "/management/artifacts/customers/activate",
                        token=TOKEN)
        self.wait.until(lambda d: self.cell("customers", 2)
                        == "inactive")
        answer = self.gateway.request("GET", "/customers/1")
        self.assertEqual(answer.status, 503, answer)
        self.assertEqual(answer.error_code(), "artifact_inactive")
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "toggle-active"), "Activate"))
        self.browser.find_element(By.ID, "toggle-active").click()
        self.wait.until(lambda d: self.cell("customers", 2)
                        == "active")
        self.assertEqual(self.gateway.request("GET", "/customers/1").status, 200)

    def test_reload_shows_its_result(self):
        self.browser.find_element(By.ID, "reload").click()
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "notice"), "reloaded"))
        self.assertIn("applied", self.browser.find_element(By.ID, "reload-result").text)

    def test_mutating_without_the_token_is_refused_in_the_page(self):
        self.browser.find_element(By.ID, "token").clear()
        self.browser.find_element(By.ID, "reload").click()
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "notice"), "unauthorized"))


if __name__ == "__main__":
    unittest.main()
