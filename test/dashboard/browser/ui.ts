import type { Locator, Page } from 'playwright-core';

/** What a person does on the dashboard, by what they see (roles, labels, names). */
export function helpers(page: Page, url: string) {
  const login = async (user: string) => {
    await page.goto(`${url}/dashboard`);
    await page.getByLabel('User Name').fill(user);
    await page.getByLabel('Password').fill('secret');
    await page.getByRole('button', { name: 'Sign In' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  };

  /** A panel of the side navigation; `href` picks one of two with the same label (Project's and Admin's). */
  const nav = async (label: string, href?: string) => {
    const sidebar = page.getByRole('navigation', { name: 'Dashboards' });
    const links = sidebar.getByRole('link', { name: label, exact: true });
    await (href ? sidebar.locator(`a[href="/dashboard${href}"]`) : links.first()).click();
    await page.getByRole('heading', { level: 1 }).first().waitFor();
  };

  const row = (table: string, text: string): Locator =>
    page.getByRole('region', { name: table }).getByRole('row').filter({ hasText: text });

  /** A row's action: its button when it is the first one, else from the row's menu. */
  const rowAction = async (table: string, text: string, action: string) => {
    const r = row(table, text);
    const first = r.getByRole('cell').last().getByRole('button').first();
    if ((await first.textContent()) === action) return first.click();
    await r.getByRole('button', { name: /More actions/ }).click();
    await page.getByRole('menuitem', { name: action }).click();
  };

  return { login, nav, row, rowAction };
}
