// Builds the privacy notice document from a Policy (see notice_document.h). One function per
// section, in the order the notice reads.
#include "policy/notice_document.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <utility>

#include "policy/notice_text.h"
#include "policy/policy_settings.h"
#include "policy/purpose_inheritance.h"

namespace privet::policy_internal {

bool SafeHref(std::string_view href) {
  auto starts = [&](std::string_view scheme) {
    if (href.size() <= scheme.size()) return false;
    for (size_t i = 0; i < scheme.size(); ++i) {
      char c = href[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != scheme[i]) return false;
    }
    return true;
  };
  if (!starts("https://") && !starts("http://") && !starts("mailto:")) return false;
  return std::none_of(href.begin(), href.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= ' ' || u == 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' ||
           c == '\\';
  });
}

Rich& Rich::Link(std::string_view text, std::string_view href) {
  if (text.empty()) return *this;
  if (!SafeHref(href)) return Text(text);
  spans_.push_back(Span{Span::Kind::kLink, std::string(text), std::string(href)});
  return *this;
}

Rich& Rich::Address(std::string_view address) {
  const bool email = address.find('@') != std::string_view::npos &&
                     address.find(':') == std::string_view::npos &&
                     address.find('?') == std::string_view::npos;
  if (email) return Link(address, "mailto:" + std::string(address));
  return Link(address, address);
}

Rich& Rich::Append(const Rich& other) {
  spans_.insert(spans_.end(), other.spans_.begin(), other.spans_.end());
  return *this;
}

namespace {

Section NewSection(std::string anchor, Rich title) {
  Section s;
  s.anchor = std::move(anchor);
  s.title = std::move(title);
  return s;
}

// "a sentence" -> "a sentence."; leaves text that already ends in punctuation alone.
std::string Sentence(std::string_view text) {
  std::string out(text);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  if (!out.empty() && out.back() != '.' && out.back() != '!' && out.back() != '?') out += '.';
  return out;
}

// Trimmed text without a trailing period, for use as a title.
std::string OneSentence(std::string_view text) {
  std::string out(text);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out;
}

// "independent controller" -> "an independent controller".
std::string WithArticle(std::string_view noun) {
  bool vowel = !noun.empty() && std::string_view("aeiou").find(noun[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + std::string(noun);
}

// When a breach is notified to the people it affects, as a clause after "affects you".
std::string ThresholdText(std::string_view threshold) {
  if (threshold.empty() || threshold == "any") return "";
  if (threshold == "reasonable_risk_of_harm") return " and creates a reasonable risk of harm";
  if (threshold == "risk") return " and is likely to result in a risk to you";
  if (threshold == "high_risk") return " and is likely to result in a high risk to you";
  if (threshold == "required_by_law") return " and the law requires notification";
  return " and meets our notification threshold (" + Humanize(threshold) + ")";
}

std::string Capitalized(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 32);
  return text;
}

std::string Organization(const Policy& p) {
  return p.organization.empty() ? std::string("We") : p.organization;
}

// Readers see what things are, never the ids the policy file uses to refer to them.

// "marketing.email" -> "marketing email": the last resort for an element with no description.
std::string IdWords(std::string_view id) {
  std::string out(id);
  std::replace(out.begin(), out.end(), '.', ' ');
  return Humanize(out);
}

std::string Named(std::string_view description, std::string_view id) {
  std::string name = description.empty() ? IdWords(id) : OneSentence(description);
  while (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

std::string PurposeName(const Policy& p, std::string_view id) {
  const Purpose* x = FindPurposeById(p, id);
  return Named(x != nullptr ? x->description : "", id);
}

std::vector<std::string> PurposeNames(const Policy& p, const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (const std::string& id : ids) out.push_back(PurposeName(p, id));
  return out;
}

std::string SubjectKindName(const Policy& p, std::string_view id) {
  for (const SubjectKind& k : p.subject_kinds) {
    if (k.id == id) return Named(k.description, id);
  }
  return IdWords(id);
}

std::vector<std::string> SubjectKindNames(const Policy& p, const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (const std::string& id : ids) out.push_back(SubjectKindName(p, id));
  return out;
}

// Category references in words: a declared category by its description; a prefix by the
// descriptions of the declared categories beneath it; each name once, in order.
std::vector<std::string> CategoryNames(const Policy& p, const std::vector<std::string>& refs) {
  std::vector<std::string> out;
  auto add = [&](std::string name) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  };
  for (const std::string& ref : refs) {
    bool found = false;
    for (const Category& c : p.categories) {
      if (c.id == ref || (IdCovers(ref, c.id) && !c.forbidden)) {
        add(Named(c.description, c.id));
        found = true;
      }
    }
    if (!found) add(IdWords(ref));
  }
  return out;
}

Section IntroSection(const Policy& p) {
  Section s = NewSection("who-we-are", Rich("Who we are and how to reach us"));
  bool acts_as_processor = std::any_of(p.purposes.begin(), p.purposes.end(),
                                       [](const Purpose& x) { return x.processor; });
  s.Paragraph(Rich()
                  .Text(Organization(p))
                  .Text(acts_as_processor
                            ? " is responsible for the personal data described in this notice (the "
                              "controller), "
                              "except where a purpose below says we act for a business customer."
                            : " is responsible for the personal data described in this notice (the "
                              "controller)."));
  const Contact& c = p.contact;
  std::vector<Rich> items;
  if (!c.name.empty()) items.push_back(Rich().Strong("Contact:").Text(" " + c.name));
  if (!c.email.empty()) items.push_back(Rich().Strong("Email:").Text(" ").Address(c.email));
  if (!c.address.empty()) items.push_back(Rich().Strong("Postal address:").Text(" " + c.address));
  if (!c.phone.empty()) items.push_back(Rich().Strong("Phone:").Text(" " + c.phone));
  if (!c.web_form.empty()) {
    items.push_back(Rich().Strong("Web form:").Text(" ").Address(c.web_form));
  }
  if (!c.dpo_email.empty()) {
    items.push_back(Rich().Strong("Data protection officer:").Text(" ").Address(c.dpo_email));
  }
  if (const auto& rep = p.controller.representative) {
    Rich item;
    item.Strong("Our representative in the European Union:").Text(" " + rep->name);
    if (!rep->email.empty()) item.Text(", ").Address(rep->email);
    if (!rep->address.empty()) item.Text(", " + rep->address);
    items.push_back(std::move(item));
  }
  if (items.empty()) {
    s.Paragraph(Rich("This policy gives no contact details."));
  } else {
    s.Paragraph(Rich("You can reach us here about anything in this notice:"));
    s.List(std::move(items));
  }
  return s;
}

Section WhereSection(const Policy& p) {
  Section s = NewSection("where", Rich("Where this notice applies"));
  std::vector<std::string> places;
  for (const std::string& j : p.jurisdictions) places.push_back(JurisdictionText(j));
  if (places.empty()) {
    s.Paragraph(Rich("This notice names no jurisdiction."));
  } else {
    s.Paragraph(Rich("This notice applies to people in " + JoinWords(places) + "."));
  }
  if (!p.governing_law.empty()) {
    s.Paragraph(Rich("It is governed by the law of " + JurisdictionText(p.governing_law) + "."));
  }
  return s;
}

Section SubjectsSection(const Policy& p) {
  Section s = NewSection("people", Rich("Whose data we process and age limits"));
  std::vector<Rich> items;
  std::vector<const SubjectKind*> gated;
  for (const SubjectKind& k : p.subject_kinds) {
    Rich item;
    item.Text(Sentence(Capitalized(Named(k.description, k.id))));
    if (k.minimum_age > 0) {
      item.Text(" You must be at least " + std::to_string(k.minimum_age) + " years old.");
      gated.push_back(&k);
    }
    if (k.location_required) {
      item.Text(" Every interaction records your location");
      if (!k.location_exemptions.empty()) {
        std::vector<std::string> exemptions;
        for (const std::string& x : k.location_exemptions) exemptions.push_back(IdWords(x));
        item.Text(", unless you hold one of these exemptions: " + JoinWords(exemptions, "or"));
      }
      item.Text(".");
    }
    items.push_back(std::move(item));
  }
  if (!items.empty()) {
    s.Paragraph(Rich("We hold personal data about these groups of people:"));
    s.List(std::move(items));
  }
  if (gated.empty()) {
    s.Paragraph(Rich("This policy sets no minimum age."));
  } else {
    int youngest = gated.front()->minimum_age;
    for (const SubjectKind* k : gated) youngest = std::min(youngest, k->minimum_age);
    s.Paragraph(
        Rich("We do not knowingly collect personal data from children below the minimum "
             "age: we refuse a sign-up that gives an age under it (the lowest is " +
             std::to_string(youngest) + ")."));
  }
  bool child_report = std::find(p.rights.offered.begin(), p.rights.offered.end(),
                                Right::kChildDataReport) != p.rights.offered.end();
  if (child_report) {
    s.Paragraph(
        Rich("If you believe a child's personal data was given to us, tell us and we "
             "will delete it."));
  }
  return s;
}

Section CategoriesSection(const Policy& p) {
  Section s = NewSection("data", Rich("What personal data we process"));
  std::vector<Rich> items;
  for (const Category& c : p.categories) {
    Rich item;
    item.Text(Sentence(Capitalized(Named(c.description, c.id))));
    if (c.forbidden) {
      item.Text(" ").Strong("Never stored:").Text(" we refuse it wherever it is submitted.");
    }
    if (c.special) {
      item.Text(" ").Strong("Special category").Text(" (sensitive data under GDPR Art. 9).");
    }
    if (c.public_record) {
      item.Text(
          " It may be a matter of public record; we still release it only as this "
          "notice describes.");
    }
    if (c.pseudonymous_identifier) {
      item.Text(
          " It identifies a device or browser, and we never link it to your name or other "
          "personal data.");
    }
    items.push_back(std::move(item));
  }
  if (items.empty()) {
    s.Paragraph(Rich("This policy lists no categories of personal data."));
  } else {
    s.List(std::move(items));
  }
  if (p.special_categories_allowed) {
    s.Paragraph(
        Rich("We process special categories of personal data only where marked above, "
             "and only as the law allows."));
  } else {
    s.Paragraph(
        Rich("We do not accept special categories of personal data (such as health, "
             "religious beliefs or ethnic origin): we refuse them when they are "
             "submitted."));
  }
  return s;
}

Rich ChoiceText(const EffectivePurpose& e) {
  Rich r;
  r.Strong("Your choice:").Text(" ");
  switch (e.consent) {
    case ConsentMode::kRequired:
      return r.Text(
          "we do this only with your consent. You can withdraw your consent at any "
          "time, and the withdrawal takes effect immediately.");
    case ConsentMode::kOptOut:
      return r.Text("we do this unless you opt out, and you can opt out at any time.");
    case ConsentMode::kNone:
      break;
  }
  if (e.basis == LegalBasis::kContract) {
    return r.Text(
        "this is needed to provide what you asked for, so there is no separate "
        "choice.");
  }
  if (e.basis == LegalBasis::kLegalObligation) {
    return r.Text("the law requires this, so there is no separate choice.");
  }
  if (e.objectable || e.direct_marketing) {
    return r.Text("no prior consent is asked, but you can object (see below).");
  }
  return r.Text("no separate consent is asked; the legal basis above applies.");
}

Section PurposeSubsection(const Policy& p, const Purpose& purpose) {
  Section s = NewSection("purpose-" + purpose.id, Rich());
  s.title.Text(Capitalized(Named(purpose.description, purpose.id)));
  EffectivePurpose e = ResolvePurpose(p, purpose);
  if (e.prohibited) {
    s.Paragraph(Rich().Strong("We never do this,").Text(" whatever else this notice says."));
    return s;
  }
  std::vector<Rich> items;
  Rich basis;
  basis.Strong("Legal basis:").Text(" ");
  if (e.basis) {
    basis.Text(std::string(LegalBasisTitle(*e.basis)) + " (GDPR " +
               std::string(LegalBasisArticle(*e.basis)) + ").");
  } else {
    basis.Text("not stated.");
  }
  items.push_back(std::move(basis));
  items.push_back(ChoiceText(e));
  Rich data;
  data.Strong("Data used:").Text(" ");
  const Purpose* parent = ParentPurpose(p, purpose);
  // Its own categories beyond what the parent already covers: naming one twice changes nothing
  // the engine does, so it changes nothing the notice says either.
  std::vector<std::string> own;
  const std::vector<std::string> inherited =
      parent != nullptr ? EffectiveCategoryRefs(p, *parent) : std::vector<std::string>{};
  for (const std::string& ref : purpose.categories) {
    if (std::none_of(inherited.begin(), inherited.end(),
                     [&](const std::string& up) { return IdCovers(up, ref); }))
      own.push_back(ref);
  }
  if (!own.empty()) {
    data.Text(JoinWords(CategoryNames(p, own)));
    if (parent != nullptr) data.Text(", and the data listed for " + PurposeName(p, parent->id));
    data.Text(".");
  } else if (parent != nullptr) {
    data.Text("the data listed for " + PurposeName(p, parent->id) + ".");
  } else {
    data.Text("no categories are listed.");
  }
  items.push_back(std::move(data));
  if (e.processor) {
    items.push_back(
        Rich("We do this on behalf of our business customers, only on their "
             "instructions (we act as their processor)."));
  }
  if (e.direct_marketing) {
    items.push_back(
        Rich("This is direct marketing: you can object at any time, and we will "
             "always stop."));
  } else if (e.objectable &&
             (e.basis == LegalBasis::kLegitimateInterests || e.basis == LegalBasis::kPublicTask)) {
    items.push_back(
        Rich("You can object to this processing; we then stop unless we record an "
             "overriding legitimate ground."));
  }
  if (purpose.profiling && NoticeMayState("purposes[].profiling")) {
    items.push_back(
        Rich("This involves profiling. If you opt out, we stop and delete your "
             "profile."));
  }
  if (purpose.since_version > 1) {
    items.push_back(
        Rich("New in version " + std::to_string(purpose.since_version) + " of this notice."));
  }
  s.List(std::move(items));
  return s;
}

Section PurposesSection(const Policy& p) {
  Section s = NewSection("purposes", Rich("Why we use your data"));
  if (p.purposes.empty()) {
    s.Paragraph(Rich("This policy lists no purposes, so we use no personal data."));
    return s;
  }
  s.Paragraph(
      Rich("We use personal data only for the purposes below. Each one names its legal "
           "basis, the choice you have and the data it may use."));
  for (const Purpose& purpose : p.purposes) s.subsections.push_back(PurposeSubsection(p, purpose));
  return s;
}

Rich RecipientItem(const Policy& p, const Recipient& r) {
  Rich item;
  item.Strong(r.name.empty() ? IdWords(r.id) : r.name);
  item.Text(", " + WithArticle(RecipientKindText(r.kind)));
  if (!r.country.empty()) item.Text(", in " + CountryText(r.country));
  item.Text(".");
  if (!r.function.empty()) item.Text(" " + Capitalized(Sentence(r.function)));
  if (!r.categories.empty()) {
    item.Text(" Receives: " + JoinWords(CategoryNames(p, r.categories)) + ".");
  }
  if (!r.purposes.empty()) item.Text(" For: " + JoinWords(PurposeNames(p, r.purposes)) + ".");
  if (r.dpa) item.Text(" A data processing agreement binds it.");
  if (!r.transfer_mechanism.empty()) {
    item.Text(" Transfers are protected by " + TransferMechanismText(r.transfer_mechanism) + ".");
  } else if (IsThirdCountryTransfer(p, r.country)) {
    item.Text(" The policy names no transfer safeguard for this country.");
  }
  if (!r.preconditions.empty()) {
    std::vector<std::string> conditions;
    for (const std::string& c : r.preconditions) conditions.push_back(PreconditionText(c));
    item.Text(" We disclose data to it " + JoinWords(conditions, "or") + ".");
  }
  if (r.sale) item.Text(" This disclosure is a sale of personal data.");
  if (r.since_version > 1) {
    item.Text(" New in version " + std::to_string(r.since_version) + " of this notice.");
  }
  return item;
}

Section SharingSection(const Policy& p) {
  Section s = NewSection("sharing", Rich("Who we share your data with"));
  if (p.sharing.sale) {
    s.Paragraph(Rich("We may sell personal data to the recipients marked below."));
  } else {
    s.Paragraph(Rich("We do not sell, rent or lease your personal data."));
  }
  if (p.sharing.unaffiliated_third_parties) {
    s.Paragraph(
        Rich("We may share personal data with the unaffiliated third parties listed "
             "below."));
  } else {
    s.Paragraph(Rich("We do not share your personal data with unaffiliated third parties."));
  }
  std::vector<Rich> items;
  for (const Recipient& r : p.recipients) items.push_back(RecipientItem(p, r));
  if (items.empty()) {
    s.Paragraph(Rich("We disclose personal data to no other organization."));
  } else {
    s.Paragraph(
        Rich("We disclose personal data only to these recipients, and each disclosure "
             "is recorded:"));
    s.List(std::move(items));
  }
  if (!p.roles.empty()) {
    s.Paragraph(
        Rich("Inside " + Organization(p) + ", staff see only the personal data their role needs."));
  }
  return s;
}

Rich RetentionItem(const Policy& p, const RetentionRule& rule) {
  Rich item;
  if (!rule.description.empty()) item.Strong(Named(rule.description, rule.id) + ":").Text(" ");
  if (rule.categories.empty()) {
    item.Text("All personal data");
  } else {
    item.Text("Data in " + JoinWords(CategoryNames(p, rule.categories)));
  }
  if (!rule.purposes.empty()) {
    item.Text(" used for " + JoinWords(PurposeNames(p, rule.purposes), "or"));
  }
  if (!rule.subject_kinds.empty()) {
    item.Text(" about " + JoinWords(SubjectKindNames(p, rule.subject_kinds), "or"));
  }
  item.Text(rule.action == RetentionAction::kDelete ? " is deleted " : " is anonymized ");
  item.Text(rule.duration.count == 0 ? "immediately" : DurationToString(rule.duration));
  if (rule.anchor) {
    item.Text(" " + std::string(AnchorText(*rule.anchor)));
  } else {
    item.Text(" (the policy names no starting event)");
  }
  if (!rule.unless_consent.empty()) {
    item.Text(", unless you agreed to keep it longer (for " + PurposeName(p, rule.unless_consent) +
              ")");
  }
  item.Text(".");
  if (rule.action == RetentionAction::kAnonymize) {
    item.Text(" What remains can no longer identify you.");
  }
  if (rule.legal_obligation) {
    item.Text(" We keep it this long because the law requires it, even if you ask for erasure.");
  }
  return item;
}

Section RetentionSection(const Policy& p) {
  Section s = NewSection("retention", Rich("How long we keep your data"));
  std::vector<Rich> items;
  for (const RetentionRule& rule : p.retention) items.push_back(RetentionItem(p, rule));
  if (items.empty()) {
    s.Paragraph(Rich("This policy sets no retention periods."));
  } else {
    s.Paragraph(
        Rich("We keep personal data only as long as these rules allow, then delete or "
             "anonymize it:"));
    s.List(std::move(items));
  }
  return s;
}

Rich ChannelText(const Policy& p, std::string_view channel) {
  const Contact& c = p.contact;
  if (channel == "dashboard") return Rich("in your privacy dashboard");
  if (channel == "web_form") {
    if (c.web_form.empty()) return Rich("through our web form");
    return Rich("through our web form at ").Address(c.web_form);
  }
  if (channel == "email") {
    return c.email.empty() ? Rich("by email") : Rich("by email to ").Address(c.email);
  }
  if (channel == "support") return Rich("through our support team");
  if (channel == "post") return Rich(c.address.empty() ? "by post" : "by post to " + c.address);
  if (channel == "phone") return Rich(c.phone.empty() ? "by phone" : "by phone at " + c.phone);
  if (channel == "profile_settings") return Rich("in your profile settings");
  return Rich("through " + Humanize(channel));
}

// As JoinWords, for rich text: "a", "a or b", "a, b or c".
Rich JoinRich(const std::vector<Rich>& parts, std::string_view last) {
  Rich out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.Text(i + 1 == parts.size() ? " " + std::string(last) + " " : ", ");
    out.Append(parts[i]);
  }
  return out;
}

bool UnderGdpr(const Policy& p) {
  return std::any_of(p.jurisdictions.begin(), p.jurisdictions.end(), [](const std::string& j) {
    return IsEeaCountry(j) || j == "UK" || j == "GB";
  });
}

bool Offers(const Policy& p, Right right) {
  return std::find(p.rights.offered.begin(), p.rights.offered.end(), right) !=
         p.rights.offered.end();
}

// The right to complain (GDPR Art. 77): the law gives it wherever the GDPR applies; the notice
// names the authority only when the policy does.
void ComplaintParagraphs(const Policy& p, Section& s) {
  const auto& authority = p.controller.supervisory_authority;
  if (UnderGdpr(p)) {
    s.Paragraph(
        Rich("You have the right to lodge a complaint with a supervisory authority, in "
             "particular in the country where you live or work or where you believe your "
             "rights were infringed (GDPR Art. 77)."));
  }
  if (authority) {
    Rich r(UnderGdpr(p) ? "Our lead supervisory authority is " : "You can complain to ");
    r.Text(authority->name);
    if (!authority->url.empty()) r.Text(" (").Address(authority->url).Text(")");
    s.Paragraph(r.Text("."));
  }
}

Section RightsSection(const Policy& p) {
  const RightsPolicy& rights = p.rights;
  Section s = NewSection("rights", Rich("Your rights and how to use them"));
  std::vector<Rich> items;
  for (Right right : rights.offered) {
    items.push_back(Rich()
                        .Strong(std::string(RightTitle(right)) + ":")
                        .Text(" you can " + std::string(RightDescription(right)) + "."));
  }
  if (items.empty()) {
    s.Paragraph(Rich("This policy offers no data-subject rights beyond what the law gives you."));
  } else {
    s.Paragraph(Rich("You have these rights over your personal data:"));
    s.List(std::move(items));
  }
  if (!rights.channels.empty()) {
    std::vector<Rich> ways;
    for (const std::string& c : rights.channels) ways.push_back(ChannelText(p, c));
    s.Paragraph(Rich("You can make a request ")
                    .Append(JoinRich(ways, "or"))
                    .Text(". We track every request until it is complete."));
  }
  std::vector<Rich> deadlines;
  for (const Deadline& d : rights.deadlines) {
    Rich item;
    item.Strong(Capitalized(JurisdictionText(d.jurisdiction)) + ":")
        .Text(" we answer within " + DurationToString(d.period));
    if (d.extension.count > 0) {
      item.Text("; when requests are complex or numerous we may extend this by " +
                DurationToString(d.extension) + ", and we tell you if we do");
    }
    item.Text(".");
    if (!d.holidays.empty()) item.Text(" Public holidays do not count as business days.");
    deadlines.push_back(std::move(item));
  }
  if (!deadlines.empty()) {
    s.Paragraph(Rich("How fast we answer:"));
    s.List(std::move(deadlines));
  }
  if (rights.fees.empty()) {
    s.Paragraph(Rich("We do not charge a fee for rights requests."));
  } else {
    std::vector<Rich> fees;
    for (const Fee& f : rights.fees) {
      std::string where = f.jurisdiction.empty() ? "" : ", in " + JurisdictionText(f.jurisdiction);
      fees.push_back(Rich()
                         .Strong(std::string(RightTitle(f.right)) + where + ":")
                         .Text(" " + MoneyText(f.amount_cents, f.currency) +
                               " per request; we serve the request once the fee is paid."));
    }
    s.Paragraph(Rich("These requests carry a fee (all others are free):"));
    s.List(std::move(fees));
  }
  if (rights.route_members_to_organization_admin) {
    s.Paragraph(
        Rich("If your account is provided by an organization, your request goes to that "
             "organization's administrator."));
  }
  if (!rights.offered.empty()) {
    s.Paragraph(
        Rich("If we cannot meet a request in full, we tell you which exception applies "
             "and its legal ground."));
  }
  ComplaintParagraphs(p, s);
  return s;
}

// Profiling as the purposes declare it, and decisions based solely on automated processing only
// as the policy states them (Art. 13(2)(f), 22): with no statement, the notice claims nothing.
Section AutomatedDecisionsSection(const Policy& p) {
  Section s = NewSection("automated-decisions", Rich("Automated decisions and profiling"));
  std::vector<std::string> profiling;
  for (const Purpose& x : p.purposes) {
    if (x.profiling && !ResolvePurpose(p, x).prohibited) {
      profiling.push_back(PurposeName(p, x.id));
    }
  }
  if (!profiling.empty() && NoticeMayState("purposes[].profiling")) {
    s.Paragraph(Rich("We use profiling for " + JoinWords(profiling) +
                     ". If you opt out or object, we stop and delete your profile."));
  }
  const auto& decisions = p.automated_decisions;
  if (!decisions) {
    s.Paragraph(
        Rich("This notice makes no statement about decisions based solely on automated "
             "processing; ask us if you want to know more."));
  } else if (!decisions->used) {
    s.Paragraph(
        Rich("We do not make decisions about you based solely on automated processing that "
             "have legal or similarly significant effects on you (GDPR Art. 22)."));
  } else {
    s.Paragraph(
        Rich("We make decisions about you based solely on automated processing (GDPR Art. 22): " +
             Sentence(decisions->description)));
  }
  return s;
}

// California (CCPA as amended by the CPRA): for a policy that names California, or offers the
// opt-out of sale that California law requires. Every statement comes from the policy's own
// settings; a right the policy does not offer is not listed.
bool CaliforniaApplies(const Policy& p) {
  return std::find(p.jurisdictions.begin(), p.jurisdictions.end(), "US-CA") !=
             p.jurisdictions.end() ||
         Offers(p, Right::kOptOutOfSale);
}

Section CaliforniaSection(const Policy& p) {
  Section s = NewSection("california", Rich("Your California privacy rights"));
  std::vector<std::string> collected;
  for (const Category& c : p.categories) {
    if (!c.forbidden) collected.push_back(Named(c.description, c.id));
  }
  if (collected.empty()) {
    s.Paragraph(Rich("This policy lists no categories of personal information."));
  } else {
    s.Paragraph(
        Rich("We collect these categories of personal information, for the purposes "
             "described above: " +
             JoinWords(collected) + "."));
  }
  std::vector<std::string> buyers;
  for (const Recipient& r : p.recipients) {
    if (r.sale) buyers.push_back(r.name.empty() ? IdWords(r.id) : r.name);
  }
  if (!p.sharing.sale) {
    s.Paragraph(Rich("We do not sell your personal information."));
  } else if (!buyers.empty()) {
    s.Paragraph(Rich("We may sell personal information to " + JoinWords(buyers) + "."));
  } else {
    s.Paragraph(Rich("We may sell personal information."));
  }
  s.Paragraph(Rich(p.sharing.unaffiliated_third_parties
                       ? "We may share personal information with unaffiliated third parties."
                       : "We do not share your personal information with unaffiliated third "
                         "parties."));
  std::vector<Rich> rights;
  if (Offers(p, Right::kAccess)) {
    rights.push_back(
        Rich()
            .Strong("Right to know:")
            .Text(
                " you can ask what personal information we collected about you, and get a copy."));
  }
  if (Offers(p, Right::kErasure)) {
    rights.push_back(
        Rich()
            .Strong("Right to delete:")
            .Text(" you can ask us to delete personal information we collected from you."));
  }
  if (Offers(p, Right::kRectification)) {
    rights.push_back(Rich()
                         .Strong("Right to correct:")
                         .Text(" you can ask us to correct inaccurate personal information."));
  }
  if (Offers(p, Right::kOptOutOfSale) || p.signals.gpc == SignalResponse::kHonor) {
    Rich r;
    r.Strong("Right to opt out of sale and sharing:")
        .Text(
            " you can tell us not to sell or share "
            "your personal information");
    if (p.signals.gpc == SignalResponse::kHonor) {
      r.Text(", and we treat a Global Privacy Control signal as that request");
    }
    rights.push_back(std::move(r.Text(".")));
  }
  // Sensitive personal information (§ 1798.121): the right to limit where we use it beyond what
  // the law permits; otherwise the statement that we do not.
  const SensitiveUses sensitive = FindSensitiveUses(p);
  std::vector<std::string> sensitive_names, permitted_names, limitable_names;
  for (const Category* c : sensitive.categories)
    sensitive_names.push_back(Named(c->description, c->id));
  for (const Purpose* x : sensitive.permitted)
    permitted_names.push_back(Named(x->description, x->id));
  for (const Purpose* x : sensitive.limitable)
    limitable_names.push_back(Named(x->description, x->id));
  if (Offers(p, Right::kLimitSensitiveUse) && !sensitive_names.empty()) {
    Rich r;
    r.Strong("Right to limit the use of sensitive personal information:")
        .Text(" you can tell us to use " + JoinWords(sensitive_names) + " only ");
    if (permitted_names.empty()) {
      r.Text("where the law permits it without asking you");
    } else {
      r.Text("for " + JoinWords(permitted_names));
    }
    if (!limitable_names.empty())
      r.Text("; we then stop using it for " + JoinWords(limitable_names));
    rights.push_back(std::move(r.Text(".")));
  } else if (!permitted_names.empty() && limitable_names.empty()) {
    s.Paragraph(Rich("We use sensitive personal information (" + JoinWords(sensitive_names) +
                     ") only for purposes the law permits without a right to limit it: " +
                     JoinWords(permitted_names) + "."));
  }
  if (!rights.empty()) {
    s.Paragraph(Rich("Under California law you have these rights:"));
    s.List(std::move(rights));
  }
  if (std::find(p.jurisdictions.begin(), p.jurisdictions.end(), "US-CA") != p.jurisdictions.end()) {
    s.Paragraph(
        Rich("We will not discriminate against you for exercising any of these rights (Cal. "
             "Civ. Code § 1798.125)."));
  }
  return s;
}

// The IAB TCF v2.2 purposes and special features, by number, as the framework names them.
constexpr std::array<std::string_view, kTcfPurposeCount> kTcfPurposeNames = {
    "store and/or access information on a device",
    "use limited data to select advertising",
    "create profiles for personalised advertising",
    "use profiles to select personalised advertising",
    "create profiles to personalise content",
    "use profiles to select personalised content",
    "measure advertising performance",
    "measure content performance",
    "understand audiences through statistics or combinations of data from different sources",
    "develop and improve services",
    "use limited data to select content",
};
constexpr std::array<std::string_view, kTcfSpecialFeatureCount> kTcfSpecialFeatureNames = {
    "use precise geolocation data",
    "actively scan device characteristics for identification",
};

// What an IAB consent string does here (signals.tcf, signals.gpp): said exactly as
// Vault::RecordConsentString does it.
void ConsentStringParagraphs(const Policy& p, Section& s) {
  const Signals& sig = p.signals;
  for (const TcfMapping& t : sig.tcf) {
    std::vector<std::string> needs;
    for (int n : t.tcf_purposes)
      needs.push_back("TCF purpose " + std::to_string(n) + " (\"" +
                      std::string(kTcfPurposeNames[n - 1]) + "\")");
    for (int n : t.special_features)
      needs.push_back("TCF special feature " + std::to_string(n) + " (\"" +
                      std::string(kTcfSpecialFeatureNames[n - 1]) + "\")");
    const Purpose* purpose = FindPurposeById(p, t.purpose);
    const bool opt_out =
        purpose != nullptr && ResolvePurpose(p, *purpose).consent == ConsentMode::kOptOut;
    s.Paragraph(Rich("When our consent tool records your choices as an IAB TCF consent string, " +
                     PurposeName(p, t.purpose) + " follows it: refusing " + JoinWords(needs, "or") +
                     (opt_out ? " opts you out of it" : " withdraws your consent to it") +
                     " at once, and choosing them all again " +
                     (opt_out ? "takes the opt-out back" : "gives your consent") +
                     " unless you decided otherwise with us after the string was last updated."));
  }
  const bool gpc = sig.gpc == SignalResponse::kHonor;
  if (!sig.gpp && !gpc) return;
  std::vector<std::string> effects;
  auto effect = [&](const char* what, const std::vector<std::string>& purposes) {
    if (purposes.empty()) return;
    effects.push_back(std::string(what) + " opts you out of " +
                      JoinWords(PurposeNames(p, purposes)));
  };
  if (sig.gpp) {
    effect("an opt-out of the sale of your data", sig.gpp->sale);
    effect("an opt-out of its sharing", sig.gpp->sharing);
    effect("an opt-out of targeted advertising", sig.gpp->targeted_advertising);
    effect("refusing the processing of sensitive data", sig.gpp->sensitive_data);
  }
  Rich r(
      "When you make choices under US state privacy laws and they reach us as a Global "
      "Privacy Platform (GPP) string, ");
  if (!effects.empty()) r.Text(JoinWords(effects) + (gpc ? "; and " : "."));
  if (gpc)
    r.Text(std::string(effects.empty() ? "an" : "its") +
           " opt-out of sale or sharing, or its Global Privacy Control flag, counts as a Global "
           "Privacy Control signal.");
  s.Paragraph(r);
}

Section SignalsSection(const Policy& p) {
  const Signals& sig = p.signals;
  Section s = NewSection("signals", Rich("Do Not Track and Global Privacy Control"));
  Rich opt_out;
  if (!sig.opt_out_purposes.empty()) {
    opt_out.Text(JoinWords(PurposeNames(p, sig.opt_out_purposes)));
  }
  auto honour = [&](std::string_view signal) {
    Rich r("We honour " + std::string(signal) + " signals: when your browser sends one, we ");
    if (opt_out.empty())
      return r.Text(
          "treat it as a request to opt out of the sale and sharing "
          "of your personal data.");
    return r.Text("treat it as an opt-out of ").Append(opt_out).Text(".");
  };
  if (sig.dnt == SignalResponse::kHonor) {
    s.Paragraph(honour("Do Not Track"));
  } else {
    s.Paragraph(Rich("We do not respond to Do Not Track signals."));
  }
  if (sig.gpc == SignalResponse::kHonor) {
    s.Paragraph(honour("Global Privacy Control"));
  } else {
    s.Paragraph(Rich("We do not respond to Global Privacy Control signals."));
  }
  ConsentStringParagraphs(p, s);
  if (!sig.statement.empty()) s.Paragraph(Rich(Sentence(sig.statement)));
  return s;
}

Section CookiesSection(const Policy& p) {
  Section s = NewSection("cookies", Rich("Cookies"));
  // Grouped by what the subject's choice does, which is the cookie's purpose's consent mode
  // (the loader makes a cookie essential exactly when its purpose needs no choice).
  std::vector<Rich> essential;
  std::vector<Rich> opt_in;
  std::vector<Rich> opt_out;
  for (const Cookie& c : p.cookies) {
    Rich item;
    item.Text(Sentence(Capitalized(Named(c.description, c.id))));
    const std::string used_for = c.purpose.empty() ? "" : PurposeName(p, c.purpose);
    if (!used_for.empty() && !used_for.starts_with(Named(c.description, c.id))) {
      item.Text(" Used for: " + used_for + ".");
    }
    const Purpose* purpose = FindPurposeById(p, c.purpose);
    const ConsentMode mode =
        purpose != nullptr ? ResolvePurpose(p, *purpose).consent : ConsentMode::kNone;
    (c.essential                    ? essential
     : mode == ConsentMode::kOptOut ? opt_out
                                    : opt_in)
        .push_back(std::move(item));
  }
  if (essential.empty() && opt_in.empty() && opt_out.empty()) {
    s.Paragraph(Rich("This notice lists no cookies."));
    return s;
  }
  if (!essential.empty()) {
    s.Paragraph(
        Rich("Essential cookies are needed for the site to work, so they cannot be "
             "turned off:"));
    s.List(std::move(essential));
  }
  if (!opt_in.empty()) {
    s.Paragraph(
        Rich("Optional cookies are set only if you agree. Each is a separate choice; you "
             "can decline them, or clear or block them later, and the site still works:"));
    s.List(std::move(opt_in));
  }
  if (!opt_out.empty()) {
    s.Paragraph(
        Rich("These cookies are set unless you decline them. Each is a separate choice, and "
             "the site still works without them:"));
    s.List(std::move(opt_out));
  }
  return s;
}

Section MarketingSection(const Policy& p) {
  Section s = NewSection("marketing", Rich("Marketing messages"));
  std::vector<Rich> items;
  for (const MarketingChannel& m : p.marketing_channels) {
    Rich item;
    item.Strong(MarketingChannelText(m.id));
    if (!m.purpose.empty()) item.Text(" (for " + PurposeName(p, m.purpose) + ")");
    item.Text(m.opt_in ? ": sent only if you opt in." : ": sent unless you opt out.");
    if (m.unsubscribe_link && NoticeMayState("marketing_channels[].unsubscribe_link")) {
      item.Text(
          " Every message names us, gives our contact details and has a working "
          "unsubscribe link.");
    }
    items.push_back(std::move(item));
  }
  if (items.empty()) {
    s.Paragraph(Rich("This policy declares no marketing channels."));
    return s;
  }
  s.Paragraph(Rich("You choose each marketing channel separately:"));
  s.List(std::move(items));
  s.Paragraph(
      Rich("You can unsubscribe from any channel at any time, and we then stop sending "
           "marketing through it."));
  return s;
}

Section AutomaticSection(const Policy& p, const AutomaticCollection& a) {
  Section s = NewSection("automatic", Rich("What we collect automatically"));
  std::vector<std::string> fields;
  for (const std::string& f : a.fields) fields.push_back(CollectedFieldText(f));
  if (fields.empty()) {
    s.Paragraph(Rich("When you use our service, we keep request logs."));
  } else {
    s.Paragraph(
        Rich("When you use our service, we automatically record: " + JoinWords(fields) + "."));
  }
  if (!a.purposes.empty()) {
    s.Paragraph(
        Rich("We use these records only for " + JoinWords(PurposeNames(p, a.purposes)) + "."));
  }
  if (!a.drop_fields.empty() && NoticeMayState("automatic_collection.drop_fields")) {
    std::vector<std::string> dropped;
    for (const std::string& f : a.drop_fields) dropped.push_back(CollectedFieldText(f));
    s.Paragraph(Rich("Before we compute statistics we remove: " + JoinWords(dropped) + "."));
  }
  if (a.min_group_size > 0) {
    s.Paragraph(Rich("No statistic we produce describes fewer than " +
                     std::to_string(a.min_group_size) + " people, so it never identifies you."));
  }
  if (a.retention && NoticeMayState("automatic_collection.retention")) {
    s.Paragraph(Rich("We keep these records for " + DurationToString(*a.retention) + "."));
  }
  return s;
}

std::string DurationPhrase(const std::optional<Duration>& d) {
  return d ? " within " + DurationToString(*d) : std::string();
}

Section BreachSection(const Policy& p) {
  const BreachPolicy& b = p.breach;
  Section s = NewSection("breach", Rich("If something goes wrong"));
  if (b.notify_subjects && NoticeMayState("breach.notify_subjects")) {
    std::string text = "If a personal data breach affects you";
    text += ThresholdText(b.threshold);
    text += ", we will tell you";
    std::vector<std::string> how;
    for (const std::string& c : b.channels) {
      if (c == "email")
        how.push_back("by email");
      else if (c == "website")
        how.push_back("with a notice on our website");
      else if (c == "post")
        how.push_back("by post");
      else
        how.push_back("by " + Humanize(c));
    }
    if (!how.empty()) text += " " + JoinWords(how);
    text += DurationPhrase(b.subjects_within) + ".";
    s.Paragraph(Rich(text));
  } else {
    s.Paragraph(
        Rich("Where the law requires it, we tell the people affected by a personal data "
             "breach."));
  }
  if (b.authority_within && NoticeMayState("breach.authority_within")) {
    s.Paragraph(Rich("We report breaches to the supervisory authority" +
                     DurationPhrase(b.authority_within) + "."));
  }
  return s;
}

// What one change says to a reader: "Purpose added: `marketing.sms` (basis consent)".
Rich ChangeLine(const PolicyChange& c) {
  Rich line;
  if (c.material) line.Strong("Material: ");
  line.Text(Humanize(c.kind));
  if (!c.subject.empty()) line.Text(": ").Code(c.subject);
  if (!c.detail.empty()) line.Text(" (" + c.detail + ")");
  return line;
}

// CX10, CU11: the versions before this one, and the one announced to follow it.
void AddVersionHistory(const Policy& p, const NoticeHistory& history, Section& s) {
  if (history.upcoming) {
    const NoticeVersion& next = *history.upcoming;
    Section coming = NewSection("upcoming-version", Rich("Coming into effect"));
    coming.Paragraph(Rich("Version " + std::to_string(next.version) + " of this notice takes " +
                          "effect on " + CivilDayToString(next.effective) +
                          " and replaces version " + std::to_string(p.version) +
                          ". What changes:"));
    std::vector<Rich> items;
    for (const PolicyChange& c : next.changes) {
      if (c.kind == "version_changed" || c.kind == "effective_changed") continue;
      items.push_back(ChangeLine(c));
    }
    if (items.empty()) items.push_back(Rich("Only its version number and date."));
    coming.List(std::move(items));
    s.subsections.push_back(std::move(coming));
  }
  if (!history.earlier.empty()) {
    Section earlier = NewSection("earlier-versions", Rich("Earlier versions"));
    std::vector<Rich> items;
    for (auto it = history.earlier.rbegin(); it != history.earlier.rend(); ++it) {
      items.push_back(Rich("Version " + std::to_string(it->version) + ", effective " +
                           CivilDayToString(it->effective)));
    }
    earlier.List(std::move(items));
    s.subsections.push_back(std::move(earlier));
  }
}

// CN15: the breaches posted on the notice, newest first.
void AddBreaches(const Policy& p, const NoticeHistory& history, Section& s) {
  if (history.breaches.empty()) return;
  Section posted = NewSection("breach-notices", Rich("Security incidents"));
  for (auto it = history.breaches.rbegin(); it != history.breaches.rend(); ++it) {
    const NoticeBreach& b = *it;
    std::string when = "From " + Rfc3339(b.started_at);
    when += b.ended_at ? " to " + Rfc3339(*b.ended_at) : ", still going on when found";
    posted.Paragraph(Rich()
                         .Strong("Recorded " + CivilDayToString(CivilDayOf(b.recorded_at)) + ": ")
                         .Text(Sentence(b.what)));
    std::vector<Rich> items;
    items.push_back(Rich(when + "."));
    std::vector<std::string> names;
    // Each id covers the categories beneath it (user.contact: user.contact.email, ...).
    for (const Category& c : p.categories) {
      const bool covered = std::any_of(b.categories.begin(), b.categories.end(), [&](auto& id) {
        return c.id == id || c.id.rfind(id + ".", 0) == 0;
      });
      if (covered) names.push_back(c.description.empty() ? c.id : c.description);
    }
    items.push_back(Rich("Data concerned: " +
                         (names.empty() ? std::string("any of the data above") : JoinWords(names)) +
                         "."));
    if (!b.measures.empty()) items.push_back(Rich("What we have done: " + Sentence(b.measures)));
    posted.List(std::move(items));
  }
  s.subsections.push_back(std::move(posted));
}

Section ChangesSection(const Policy& p) {
  const ChangePolicy& c = p.changes;
  Section s = NewSection("changes", Rich("Changes to this notice"));
  std::vector<std::string> how;
  bool none = false;
  for (const std::string& n :
       NoticeMayState("changes.notify") ? c.notify : std::vector<std::string>{}) {
    if (n == "email")
      how.push_back("email you");
    else if (n == "website")
      how.push_back("post the updated notice on our website");
    else if (n == "none")
      none = true;
    else
      how.push_back("tell you by " + Humanize(n));
  }
  if (!how.empty()) {
    s.Paragraph(Rich("When we change this notice, we revise its version and effective date and " +
                     JoinWords(how) + "."));
  } else if (none) {
    s.Paragraph(Rich("We may change this notice without telling you individually."));
  }
  s.Paragraph(
      Rich("The current version is always published with its effective date. This is "
           "version " +
           std::to_string(p.version) + ", effective " + CivilDayToString(p.effective) + "."));
  if (c.advance_notice && NoticeMayState("changes.advance_notice")) {
    s.Paragraph(Rich("We announce material changes at least " +
                     DurationToString(*c.advance_notice) + " before they take effect."));
  }
  if (c.material_change_requires_consent) {
    s.Paragraph(
        Rich("We will not use data we already hold in a materially different way "
             "without your consent."));
  }
  if (c.opt_out_window) {
    s.Paragraph(
        Rich("Before we share your data with a new recipient or use it for a new "
             "purpose, we tell you and give you " +
             DurationToString(*c.opt_out_window) + " to opt out."));
  }
  return s;
}

// --- Values the company has not confirmed ------------------------------------------------------

// The section that states what the top-level key `list` of the file holds.
std::string_view SectionAnchorOf(std::string_view top) {
  static const std::map<std::string_view, std::string_view> kAnchors = {
      {"organization", "who-we-are"},
      {"contact", "who-we-are"},
      {"controller", "who-we-are"},
      {"jurisdictions", "where"},
      {"governing_law", "where"},
      {"subject_kinds", "people"},
      {"categories", "data"},
      {"features", "data"},
      {"special_categories_allowed", "data"},
      {"purposes", "purposes"},
      {"roles", "sharing"},
      {"recipients", "sharing"},
      {"sharing", "sharing"},
      {"retention", "retention"},
      {"rights", "rights"},
      {"automated_decisions", "automated-decisions"},
      {"signals", "signals"},
      {"cookies", "cookies"},
      {"marketing_channels", "marketing"},
      {"automatic_collection", "automatic"},
      {"breach", "breach"},
      {"changes", "changes"}};
  auto it = kAnchors.find(top);
  return it == kAnchors.end() ? std::string_view() : it->second;
}

// The name readers know an item of a list by ("Forum posts"), or "" when `list` has no items
// with names.
std::string ItemName(const Policy& p, std::string_view list, size_t i) {
  auto named = [i](const auto& items) {
    return i < items.size() ? Named(items[i].description, items[i].id) : std::string();
  };
  if (list == "categories") return named(p.categories);
  if (list == "purposes") return named(p.purposes);
  if (list == "subject_kinds") return named(p.subject_kinds);
  if (list == "features") return named(p.features);
  if (list == "roles") return named(p.roles);
  if (list == "retention") return named(p.retention);
  if (list == "cookies") return named(p.cookies);
  if (list == "recipients") {  // a name as written: "MailCo Inc." keeps its period
    if (i >= p.recipients.size()) return "";
    return p.recipients[i].name.empty() ? IdWords(p.recipients[i].id) : p.recipients[i].name;
  }
  if (list == "marketing_channels") {
    return i < p.marketing_channels.size() ? IdWords(p.marketing_channels[i].id) : std::string();
  }
  return "";
}

// "purposes[4].shown_to_subjects" -> {"Forum posts", "shown to subjects"};
// "changes.advance_notice" -> {"changes", "advance notice"}. Ids of the file never reach
// readers: items go by their names.
std::pair<std::string, std::string> UnconfirmedWhat(const Policy& p, std::string_view path) {
  const size_t top_end = path.find_first_of(".[");
  const std::string_view top = path.substr(0, top_end);
  std::string item = IdWords(top);
  std::string_view rest = top_end == std::string_view::npos ? "" : path.substr(top_end);
  if (rest.starts_with("[")) {
    const size_t close = rest.find(']');
    const size_t index = std::stoul(std::string(rest.substr(1, close - 1)));
    if (std::string name = ItemName(p, top, index); !name.empty()) item = name;
    rest = rest.substr(close + 1);
  }
  // signals.tcf[i] and signals.gpp: what the consent strings mean.
  if (top == "signals" && rest.starts_with(".tcf[")) {
    const size_t close = rest.find(']');
    const size_t index = std::stoul(std::string(rest.substr(5, close - 5)));
    item = "IAB TCF strings";
    if (index < p.signals.tcf.size())
      item += " for " + PurposeName(p, p.signals.tcf[index].purpose);
    rest = rest.substr(close + 1);
  } else if (top == "signals" && rest.starts_with(".gpp")) {
    item = "GPP strings";
    rest.remove_prefix(4);
  }
  if (rest.starts_with(".")) rest.remove_prefix(1);
  std::string words(rest);
  for (char& c : words) {
    if (c == '_' || c == '.') c = ' ';
  }
  return {item, words};
}

// A policy file may hold values its author chose where the company's own statement is silent
// (UnconfirmedValue). The notice must not present them as the company's statement: its title
// says "draft", its first paragraph says why, and each section holding one names what in it is
// still to be confirmed.
void MarkUnconfirmed(const Policy& p, NoticeDocument& doc) {
  // Per section, each item once with what of it is unconfirmed, in file order:
  // "CT affiliates: country, transfer mechanism".
  std::map<std::string_view, std::vector<std::pair<std::string, std::vector<std::string>>>>
      by_anchor;
  for (const UnconfirmedValue& u : p.unconfirmed) {
    const std::string key = SettingKeyOf(u.path);
    // A whole list item ("purposes[2]") is stated; a setting the notice leaves out is not.
    if (!key.ends_with("]") && !NoticeMayState(key)) continue;
    const std::string_view top = std::string_view(u.path).substr(0, u.path.find_first_of(".["));
    // Not a structured binding: clang 14 cannot capture one in the lambda below.
    const std::pair<std::string, std::string> what = UnconfirmedWhat(p, u.path);
    auto& items = by_anchor[SectionAnchorOf(top)];
    auto it = std::find_if(items.begin(), items.end(),
                           [&](const auto& entry) { return entry.first == what.first; });
    if (it == items.end()) it = items.insert(items.end(), {what.first, {}});
    if (!what.second.empty()) it->second.push_back(what.second);
  }
  if (by_anchor.empty()) return;
  const std::string who = p.organization.empty() ? "the organization" : p.organization;
  doc.title += " (draft)";
  doc.intro.insert(doc.intro.begin(),
                   Rich().Strong("Draft.").Text(
                       " Some statements in this notice are not yet confirmed by " + who +
                       "; the sections that hold them say which. Until they are confirmed, this "
                       "notice is not " +
                       who + "'s statement."));
  for (auto& [anchor, what] : by_anchor) {
    Rich note = Rich().Strong("Not yet confirmed:").Text(" ");
    for (size_t i = 0; i < what.size(); ++i) {
      note.Text((i ? "; " : "") + what[i].first);
      for (size_t w = 0; w < what[i].second.size(); ++w)
        note.Text((w ? ", " : ": ") + what[i].second[w]);
    }
    note.Text(".");
    Section* section = nullptr;
    for (Section& s : doc.sections) {
      if (s.anchor == anchor) section = &s;
    }
    if (section == nullptr) {  // version, effective, summary: the intro states them
      doc.intro.insert(doc.intro.begin() + 1, std::move(note));
      continue;
    }
    section->title.Text(" (draft)");
    section->blocks.insert(section->blocks.begin(),
                           Block{Block::Kind::kParagraph, {std::move(note)}});
  }
}

}  // namespace

NoticeDocument BuildNotice(const Policy& p, const NoticeHistory& published) {
  // A version is announced on the website before it takes effect where the policy says changes
  // are (CU11); the version in force and the earlier ones are published whatever it says (CX10).
  NoticeHistory history = published;
  if (std::find(p.changes.notify.begin(), p.changes.notify.end(), "website") ==
      p.changes.notify.end())
    history.upcoming.reset();
  NoticeDocument doc;
  doc.title = "Privacy notice of " + (p.organization.empty() ? "our organization" : p.organization);
  doc.intro.push_back(Rich("This notice explains how " + Organization(p) +
                           " handles your personal data, and the choices and rights you have."));
  doc.intro.push_back(Rich()
                          .Strong("Version " + std::to_string(p.version))
                          .Text(", effective " + CivilDayToString(p.effective) + "."));
  if (!history.earlier.empty()) {
    doc.intro.push_back(Rich("Last updated " + CivilDayToString(p.effective) +
                             "; the earlier versions are listed under Changes to this notice."));
  }
  if (history.upcoming) {
    doc.intro.push_back(Rich()
                            .Strong("Version " + std::to_string(history.upcoming->version))
                            .Text(" takes effect on " +
                                  CivilDayToString(history.upcoming->effective) +
                                  "; what changes is listed under Changes to this notice."));
  }
  if (!history.breaches.empty()) {
    doc.intro.push_back(Rich()
                            .Strong("Security incident notice: ")
                            .Text("see Security incidents under If something goes wrong."));
  }
  if (!p.summary.empty()) doc.intro.push_back(Rich(Sentence(p.summary)));
  doc.sections.push_back(IntroSection(p));
  doc.sections.push_back(WhereSection(p));
  doc.sections.push_back(SubjectsSection(p));
  doc.sections.push_back(CategoriesSection(p));
  doc.sections.push_back(PurposesSection(p));
  doc.sections.push_back(SharingSection(p));
  doc.sections.push_back(RetentionSection(p));
  doc.sections.push_back(RightsSection(p));
  doc.sections.push_back(AutomatedDecisionsSection(p));
  if (CaliforniaApplies(p)) doc.sections.push_back(CaliforniaSection(p));
  doc.sections.push_back(SignalsSection(p));
  doc.sections.push_back(CookiesSection(p));
  doc.sections.push_back(MarketingSection(p));
  if (p.automatic_collection) doc.sections.push_back(AutomaticSection(p, *p.automatic_collection));
  doc.sections.push_back(BreachSection(p));
  AddBreaches(p, history, doc.sections.back());
  doc.sections.push_back(ChangesSection(p));
  AddVersionHistory(p, history, doc.sections.back());
  MarkUnconfirmed(p, doc);
  return doc;
}

}  // namespace privet::policy_internal
